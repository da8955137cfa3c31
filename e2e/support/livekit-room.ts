import type { AudioSource as AudioSourceType, Room as RoomType, TextStreamReader } from '@livekit/rtc-node';
import { AccessToken, AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import type { RunningLivekit } from '../testenv/livekit.ts';
import { waitFor } from '../testenv/wait.ts';

// rtc-node logs at debug level unless NODE_ENV is production (vitest sets "test"): load it quietly.
const nodeEnv = process.env.NODE_ENV;
process.env.NODE_ENV = 'production';
const { AudioFrame, AudioSource, LocalAudioTrack, Room, TrackPublishOptions, TrackSource } = await import(
  '@livekit/rtc-node'
);
process.env.NODE_ENV = nodeEnv;

/** Test support (not a test): a caller in a LiveKit room with a department's agent, talking to it by text. */
export interface AgentRoom {
  name: string;
  room: RoomType;
  /** Sends a chat message (topic lk.chat) and resolves with the agent's next reply (topic lk.transcription). */
  say(text: string, timeoutMs?: number): Promise<string>;
  /**
   * Speaks into a published microphone track for `ms` (a tone: the STT stand-in decides the words) and resolves
   * with the agent's next reply.
   */
  speak(ms?: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function roomWithAgent(lk: RunningLivekit, agentName: string, joinTimeoutMs = 60_000): Promise<AgentRoom> {
  const name = `room-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`;
  const rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
  await rooms.createRoom({ name });
  const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity: `caller-${name}` });
  token.addGrant({ roomJoin: true, room: name, canPublish: true, canSubscribe: true, canPublishData: true });
  const room = new Room();
  const replies: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  room.registerTextStreamHandler('lk.transcription', async (reader: TextStreamReader, info) => {
    if (!info.identity.startsWith('agent-')) return;
    // The transcript is streamed in word-aligned chunks: the last one may end in a space.
    const text = (await reader.readAll()).trim();
    const next = waiting.shift();
    if (next) next(text);
    else replies.push(text);
  });
  await room.connect(lk.url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
  await new AgentDispatchClient(lk.httpUrl, lk.apiKey, lk.apiSecret).createDispatch(name, agentName);
  // The session publishes lk.agent.state once it runs; a message sent before that would reach no handler.
  const agentListening = () =>
    [...room.remoteParticipants.values()].some(
      (p) => p.identity.startsWith('agent-') && p.attributes['lk.agent.state'] === 'listening',
    );
  await waitFor(async () => agentListening(), {
    timeoutMs: joinTimeoutMs,
    describe: () => `agent ${agentName} did not join room ${name} and start listening`,
  });
  const nextReply = (what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const queued = replies.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => reject(new Error(`no reply to ${what} within ${timeoutMs} ms`)), timeoutMs);
      waiting.push((t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  let microphone: AudioSourceType | undefined;
  return {
    name,
    room,
    async say(text, timeoutMs = 30_000) {
      const reply = nextReply(`"${text}"`, timeoutMs);
      await room.localParticipant?.sendText(text, { topic: 'lk.chat' });
      return reply;
    },
    async speak(ms = 500, timeoutMs = 30_000) {
      const rate = 48_000;
      if (!microphone) {
        microphone = new AudioSource(rate, 1);
        const options = new TrackPublishOptions();
        options.source = TrackSource.SOURCE_MICROPHONE;
        await room.localParticipant?.publishTrack(LocalAudioTrack.createAudioTrack('microphone', microphone), options);
      }
      const reply = nextReply(`${ms} ms of speech`, timeoutMs);
      const perFrame = rate / 100;
      for (let f = 0; f < ms / 10; f++) {
        const samples = new Int16Array(perFrame);
        for (let i = 0; i < perFrame; i++)
          samples[i] = Math.round(3000 * Math.sin((2 * Math.PI * 220 * (f * perFrame + i)) / rate));
        await microphone.captureFrame(new AudioFrame(samples, rate, 1, perFrame));
      }
      return reply;
    },
    async close() {
      await room.disconnect();
      await rooms.deleteRoom(name).catch(() => {});
    },
  };
}

import type { Room as RoomType, TextStreamReader } from '@livekit/rtc-node';
import { AccessToken, AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import type { RunningLivekit } from '../testenv/livekit.ts';
import { waitFor } from '../testenv/wait.ts';

// rtc-node logs at debug level unless NODE_ENV is production (vitest sets "test"): load it quietly.
const nodeEnv = process.env.NODE_ENV;
process.env.NODE_ENV = 'production';
const { Room } = await import('@livekit/rtc-node');
process.env.NODE_ENV = nodeEnv;

/** Test support (not a test): a caller in a LiveKit room with a department's agent, talking to it by text. */
export interface AgentRoom {
  name: string;
  room: RoomType;
  /** Sends a chat message (topic lk.chat) and resolves with the agent's next reply (topic lk.transcription). */
  say(text: string, timeoutMs?: number): Promise<string>;
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
  return {
    name,
    room,
    async say(text, timeoutMs = 30_000) {
      const reply = new Promise<string>((resolve, reject) => {
        const queued = replies.shift();
        if (queued !== undefined) return resolve(queued);
        const timer = setTimeout(() => reject(new Error(`no reply to "${text}" within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
      await room.localParticipant?.sendText(text, { topic: 'lk.chat' });
      return reply;
    },
    async close() {
      await room.disconnect();
      await rooms.deleteRoom(name).catch(() => {});
    },
  };
}

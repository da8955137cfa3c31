import { describe, expect, it } from 'vitest';
import { listeningSockets } from './listening.ts';
import { startLivekit } from './livekit.ts';

describe('startLivekit', () => {
  it('does listen on loopback only', async () => {
    const livekit = await startLivekit();
    try {
      const sockets = listeningSockets(livekit.pid);
      expect(sockets.map((s) => s.protocol)).toEqual(expect.arrayContaining(['tcp', 'udp']));
      const exposed = sockets.filter((s) => s.address !== '127.0.0.1' && s.address !== '0:0:0:0:0:0:0:1');
      expect(exposed).toEqual([]);
      // The same server still answers on its loopback signalling port.
      expect((await fetch(livekit.httpUrl)).ok).toBe(true);
    } finally {
      await livekit.stop();
    }
  });
});

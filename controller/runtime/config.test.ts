import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startHealthServer } from './health-server.ts';
import { ControllerMetrics } from './metrics.ts';

describe('loadConfig', () => {
  it('gives every process a leader identity of its own, even when they share a POD_NAME', () => {
    const a = loadConfig({ POD_NAME: 'local-controller' });
    const b = loadConfig({ POD_NAME: 'local-controller' });
    expect(a.identity).toMatch(/^local-controller_[0-9a-f]{12}$/);
    expect(b.identity).toMatch(/^local-controller_[0-9a-f]{12}$/);
    expect(a.identity).not.toBe(b.identity);
  });

  it('starts the identity with the host name when POD_NAME is unset', () => {
    expect(loadConfig({}).identity).toMatch(/^.+_[0-9a-f]{12}$/);
  });

  it("makes shard 0 every replica's home without sharding", () => {
    expect(loadConfig({ POD_NAME: 'federation-controller-3' })).toMatchObject({ SHARDS: 1, homeShard: 0 });
  });

  it('takes the home shard from SHARD_INDEX, else from a StatefulSet ordinal mod SHARDS, else none', () => {
    expect(loadConfig({ SHARDS: '2', SHARD_INDEX: '1', POD_NAME: 'ctl-0' }).homeShard).toBe(1);
    expect(loadConfig({ SHARDS: '2', POD_NAME: 'federation-controller-1' }).homeShard).toBe(1);
    expect(loadConfig({ SHARDS: '2', POD_NAME: 'federation-controller-2' }).homeShard).toBe(0);
    expect(loadConfig({ SHARDS: '2', POD_NAME: 'local-controller' }).homeShard).toBeUndefined();
  });

  it('refuses a SHARD_INDEX outside SHARDS, and shards without leader election', () => {
    expect(() => loadConfig({ SHARDS: '2', SHARD_INDEX: '2' })).toThrow('SHARD_INDEX 2 is not a shard of SHARDS=2');
    expect(() => loadConfig({ SHARDS: '0' })).toThrow(/SHARDS/);
    expect(() => loadConfig({ SHARDS: '2', LEADER_ELECT: 'false' })).toThrow('SHARDS > 1 needs LEADER_ELECT=true');
  });
});

describe('startHealthServer', () => {
  it('refuses a metrics port already in use with a message that names it', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const probes = { healthy: () => true, ready: () => true };
      await expect(startHealthServer(new ControllerMetrics(), probes, port, '127.0.0.1')).rejects.toThrow(
        `the metrics port ${port} on 127.0.0.1 is already in use (METRICS_PORT)`,
      );
    } finally {
      taken.close();
    }
  });
});

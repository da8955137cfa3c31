import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { startLocalRailway } from './local.ts';

describe('startLocalRailway', () => {
  it('serves Railway and keeps the passphrase across restarts while renewing the token', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(inject('kubeconfig'));
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const read = async () =>
      (await core.readNamespacedSecret({ namespace: 'federation-system', name: 'runtime-platform' })).data ?? {};
    const first = await startLocalRailway(kubeConfig);
    const before = await read();
    await first.server.stop();
    const second = await startLocalRailway(kubeConfig);
    const after = await read();
    await second.server.stop();
    expect(second.env.RUNTIME_PLATFORM_SECRET).toBe('federation-system/runtime-platform');
    expect(second.env.RAILWAY_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql\/v2$/);
    expect(after.PULUMI_CONFIG_PASSPHRASE).toBe(before.PULUMI_CONFIG_PASSPHRASE);
    expect(after.RAILWAY_TOKEN).not.toBe(before.RAILWAY_TOKEN);
  });
});

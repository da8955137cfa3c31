import { serializeFunction } from '@pulumi/pulumi/runtime/closure/serializeClosure.js';
import { describe, expect, it } from 'vitest';
import { providerShim } from './shim.ts';

describe('providerShim', () => {
  it('serializes to a few lines that only import the implementation', async () => {
    const shim = providerShim('service');
    const { text } = await serializeFunction(() => shim, { allowSecrets: true });
    expect(text).toContain('/providers/index.ts');
    expect(text).toContain('m.providers["service"].create(...args)');
    expect(text.length).toBeLessThan(4000);
  });
});

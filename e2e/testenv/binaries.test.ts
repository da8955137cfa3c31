import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withBuildLock } from './binaries.ts';

let cache: string;
const saved = process.env.FEDERATION_CACHE_DIR;

beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), 'fed-cache-'));
  process.env.FEDERATION_CACHE_DIR = cache;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.FEDERATION_CACHE_DIR;
  else process.env.FEDERATION_CACHE_DIR = saved;
  await rm(cache, { recursive: true, force: true });
});

describe('withBuildLock', () => {
  it('holds a Go build and the n8n install at once in one process, each released on its own', async () => {
    // As prepare runs them: the n8n install starts beside the Go build and ends first.
    let endGo = () => {};
    const go = withBuildLock(() => new Promise<string>((r) => (endGo = () => r('go'))));
    await new Promise((r) => setTimeout(r, 100));
    await expect(withBuildLock(async () => 'n8n', 'n8n')).resolves.toBe('n8n');
    endGo();
    await expect(go).resolves.toBe('go');
  });

  it('serialises two builds of the same kind', async () => {
    const order: string[] = [];
    const build = (name: string) =>
      withBuildLock(async () => {
        order.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 200));
        order.push(`${name} end`);
      });
    await Promise.all([build('a'), build('b')]);
    // Either may take the lock first (both race for it); neither starts before the other has ended.
    const first = order[0]?.split(' ')[0];
    const second = first === 'a' ? 'b' : 'a';
    expect(order).toEqual([`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
  });
});

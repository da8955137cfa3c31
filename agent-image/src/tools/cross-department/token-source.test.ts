import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenSource } from './token-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'token-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TokenSource', () => {
  it('does re-read a mounted token when the Secret is rotated', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'first\n');
    utimesSync(file, 1000, 1000);
    const source = new TokenSource({ file, token: 'from-env' });
    expect(source.current()).toBe('first');
    writeFileSync(file, 'second\n');
    utimesSync(file, 2000, 2000);
    expect(source.current()).toBe('second');
  });

  it('does fall back to the variable when there is no file', () => {
    expect(new TokenSource({ token: 'from-env' }).current()).toBe('from-env');
    expect(new TokenSource({ file: join(dir, 'missing'), token: 'from-env' }).current()).toBe('from-env');
    expect(new TokenSource({}).configured).toBe(false);
  });
});

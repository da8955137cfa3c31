import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWhole, writeWholeSync } from './write-whole.ts';

describe('writeWhole (local.env, the local Railway snapshot)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fed-whole-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('never shows a reader part of the file: whoever opens it as soon as it appears reads all of it', async () => {
    // 64 MiB takes the kernel long enough that a plain writeFile is seen half-written (checked: it is); each line
    // ends in a newline, so a part is a shorter file.
    const text = 'GATEWAY_URL=http://127.0.0.1:1\n'.repeat(2 * 1024 * 1024);
    const file = join(dir, 'local.env');
    const seen: number[] = [];
    const watcher = watch(dir, (_event, name) => {
      if (name !== 'local.env') return;
      try {
        seen.push(readFileSync(file).length);
      } catch {
        // renamed away between the event and the read
      }
    });
    try {
      await writeWhole(file, text);
      await new Promise((r) => setTimeout(r, 200)); // the watcher's last events
    } finally {
      watcher.close();
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((n) => n !== text.length)).toEqual([]);
  });

  it('replaces the previous version, owner-only, leaving no temporary file', async () => {
    const file = join(dir, 'local.env');
    writeFileSync(file, 'OLD=1\n');
    await writeWhole(file, 'NEW=1\n');
    expect(readFileSync(file, 'utf8')).toBe('NEW=1\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeWholeSync(file, 'NEWER=1\n');
    expect(readFileSync(file, 'utf8')).toBe('NEWER=1\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['local.env']);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** End of life of the Node.js LTS lines (nodejs.org's release schedule); odd lines are never LTS. */
const LTS_END_OF_LIFE: Record<number, string> = {
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
};

const DOCKERFILES = ['deploy/images/Dockerfile', 'agent-image/Dockerfile'];

describe('the images’ Node.js', () => {
  it.each(DOCKERFILES)('%s pins a Node.js LTS line that is still supported', (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const version = /^ARG NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(text);
    expect(version, `${file} pins ARG NODE_VERSION=x.y.z`).not.toBeNull();
    const major = Number(version?.[1]);
    const endOfLife = LTS_END_OF_LIFE[major];
    expect(endOfLife, `Node.js ${major} is not an LTS line this test knows`).toBeDefined();
    expect(new Date(`${endOfLife}T00:00:00Z`).getTime()).toBeGreaterThan(Date.now());
  });

  it('builds both images on the same Node.js', () => {
    const versions = DOCKERFILES.map(
      (file) => /^ARG NODE_VERSION=(.+)$/m.exec(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'))?.[1],
    );
    expect(new Set(versions).size).toBe(1);
  });
});

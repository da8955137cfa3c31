import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_IMAGE_REPOSITORY, releasedAgentImage } from './agent-image.ts';

describe('releasedAgentImage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fed-agent-image-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("tags the release's agent image with the version of the federation package.json above it", () => {
    // As in the image: /app/package.json above /app/dist/reconcilers/runtime/agent-image.js.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'federation', version: '3.4.5' }));
    mkdirSync(join(dir, 'dist', 'reconcilers', 'runtime'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'package.json'), JSON.stringify({ name: 'other', version: '9.9.9' }));
    const module = join(dir, 'dist', 'reconcilers', 'runtime', 'agent-image.js');
    expect(releasedAgentImage(module)).toBe(`${AGENT_IMAGE_REPOSITORY}:3.4.5`);
  });

  it('says to set RUNTIME_DEFAULT_IMAGE when no federation package.json is above it', () => {
    expect(() => releasedAgentImage(join(dir, 'agent-image.js'))).toThrow(/set RUNTIME_DEFAULT_IMAGE/);
  });
});

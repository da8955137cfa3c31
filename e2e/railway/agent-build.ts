import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import lockfile from 'proper-lockfile';
import { REPO_ROOT } from '../testenv/platform.ts';
import { spawnChecked } from './spawn-checked.ts';

export const AGENT_DIR = join(REPO_ROOT, 'agent-image');
/** The built agent's entry, as the image runs it. */
export const AGENT_MAIN = join(AGENT_DIR, 'dist', 'agent-image', 'src', 'main.js');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** A digest of everything the build reads: the agent's sources, crds/, its build config and manifest. */
function sourceDigest(): string {
  const files = [
    ...sources(join(AGENT_DIR, 'src')),
    ...sources(join(REPO_ROOT, 'crds')),
    join(AGENT_DIR, 'tsconfig.build.json'),
    join(AGENT_DIR, 'package.json'),
  ].sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(relative(REPO_ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}

/**
 * `npm run build -w agent-image` when the sources changed since the last build (tests, the local Railway server
 * and the benchmark run the built agent, as the image does); concurrent callers share one build.
 */
export async function ensureAgentBuild(log: (line: string) => void = () => {}): Promise<string> {
  const marker = join(AGENT_DIR, 'dist', '.source-digest');
  const digest = sourceDigest();
  const fresh = () => existsSync(AGENT_MAIN) && existsSync(marker) && readFileSync(marker, 'utf8') === digest;
  if (fresh()) return AGENT_MAIN;
  const release = await lockfile.lock(AGENT_DIR, {
    lockfilePath: join(AGENT_DIR, '.build.lock'),
    stale: 60_000,
    update: 10_000,
    retries: { retries: 300, minTimeout: 500, maxTimeout: 2000 },
  });
  try {
    if (!fresh()) {
      log('building agent-image (npm run build -w agent-image)');
      await spawnChecked(process.execPath, [join(AGENT_DIR, 'build.mjs')], { cwd: AGENT_DIR });
      await writeFile(marker, digest);
    }
  } finally {
    await release();
  }
  return AGENT_MAIN;
}

/** The agent's build as a prepared artifact (the shape of e2e/testenv/prepare-all.ts's Artifact). */
export const AGENT_BUILD = {
  name: 'agent-image',
  kind: 'io' as const,
  expectedSeconds: 60,
  cached: () => {
    const marker = join(AGENT_DIR, 'dist', '.source-digest');
    return existsSync(AGENT_MAIN) && existsSync(marker) && readFileSync(marker, 'utf8') === sourceDigest();
  },
  prepare: (log: (line: string) => void) => ensureAgentBuild(log),
};

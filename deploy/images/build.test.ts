import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../e2e/testenv/repo-root.ts';

const SCRIPT = join(REPO_ROOT, 'deploy/images/build.sh');

/** A `docker` that records each call's arguments, one line each; FAKE_ENGINE=down fails `info`, FAKE_BUILDX=1 has buildx. */
const FAKE_DOCKER = `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
case "$1" in
  info) [ "$FAKE_ENGINE" = up ] ;;
  buildx) if [ "$2" = version ]; then [ "$FAKE_BUILDX" = 1 ]; fi ;;
esac
`;

let bin: string;
let log: string;

beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'fed-fake-docker-'));
  log = join(bin, 'calls.log');
  writeFileSync(join(bin, 'docker'), FAKE_DOCKER);
  chmodSync(join(bin, 'docker'), 0o755);
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

function build(args: string[], env: Record<string, string> = {}) {
  writeFileSync(log, '');
  const run = spawnSync('bash', [SCRIPT, ...args], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: log, FAKE_ENGINE: 'up', ...env },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: run.status, stderr: run.stderr, builds: calls.filter((c) => !/^(info|buildx version)$/.test(c)) };
}

describe('deploy/images/build.sh', () => {
  it('builds the controller and gateway targets and the agent image from the repository root', () => {
    const { status, builds } = build(['--registry', 'registry.example/team', '--version', '1.2.3']);
    expect(status).toBe(0);
    expect(builds).toEqual([
      'build -f deploy/images/Dockerfile -t registry.example/team/federation-controller:1.2.3 --target controller .',
      'build -f deploy/images/Dockerfile -t registry.example/team/federation-gateway:1.2.3 --target gateway .',
      'build -f agent-image/Dockerfile -t registry.example/team/federation-agent:1.2.3 .',
    ]);
  });

  it('pushes each image after building it with --push', () => {
    const { status, builds } = build(['--push'], { REGISTRY: 'r.example', VERSION: 'v9' });
    expect(status).toBe(0);
    expect(builds.filter((c) => c.startsWith('push '))).toEqual([
      'push r.example/federation-controller:v9',
      'push r.example/federation-gateway:v9',
      'push r.example/federation-agent:v9',
    ]);
  });

  it('builds with buildx when it is there, loading the image or pushing it', () => {
    expect(build(['--version', 'x'], { FAKE_BUILDX: '1' }).builds[0]).toBe(
      'buildx build --load -f deploy/images/Dockerfile -t ghcr.io/synrg/federation-controller:x --target controller .',
    );
    const pushed = build(['--version', 'x', '--push'], { FAKE_BUILDX: '1' }).builds;
    expect(pushed.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(Array(3).fill('buildx build --push'));
  });

  it('tags with git describe by default', () => {
    const describe = spawnSync('git', ['describe', '--tags', '--always', '--dirty'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const { builds } = build([]);
    expect(builds[0]).toContain(` -t ghcr.io/synrg/federation-controller:${describe.stdout.trim()} `);
  });

  it('fails before building, saying so, when no engine answers', () => {
    const { status, stderr, builds } = build(['--version', '1'], { FAKE_ENGINE: 'down' });
    expect(status).not.toBe(0);
    expect(stderr).toContain('cannot reach a container engine');
    expect(builds).toEqual([]);
  });

  it('rejects an unknown argument with its usage', () => {
    const { status, stderr } = build(['--tag', 'x']);
    expect(status).toBe(2);
    expect(stderr).toContain('unknown argument: --tag');
    expect(stderr).toContain('Usage: deploy/images/build.sh');
  });
});

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findObject, renderKustomization } from '../../e2e/testenv/kustomize.ts';
import { REPO_ROOT } from '../../e2e/testenv/repo-root.ts';
import { runtimeConfigFromEnv } from '../../reconcilers/runtime/config.ts';

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

  it("by default builds the agent image the controller deploys, tagged as deploy/base's images", async () => {
    const { status, stderr, builds } = build([]);
    expect(status).toBe(0);
    const tags = builds.map((c) => / -t (\S+)/.exec(c)?.[1]);
    // The controller's own setting, as it reads it from an environment without RUNTIME_DEFAULT_IMAGE.
    const runtime = runtimeConfigFromEnv(
      { DATABASE_URL: 'postgres://u@db/federation' },
      { root: '/', pulumiHome: '/' },
    );
    expect(tags[2]).toBe(runtime.defaultImage);
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;
    expect(tags).toEqual(['controller', 'gateway', 'agent'].map((n) => `ghcr.io/synrg/federation-${n}:${version}`));
    // The installs deploy the controller and the gateway of that same build: kustomize's tags, the chart's
    // appVersion (its default tag).
    const base = await renderKustomization(join(REPO_ROOT, 'deploy/base'));
    const image = (name: string) => findObject(base, 'Deployment', name).spec.template.spec.containers[0].image;
    expect([image('federation-controller'), image('federation-gateway')]).toEqual(tags.slice(0, 2));
    const chart = parse(readFileSync(join(REPO_ROOT, 'deploy/helm/federation/Chart.yaml'), 'utf8'));
    expect(chart.appVersion).toBe(version);
    expect(stderr).not.toContain('RUNTIME_DEFAULT_IMAGE');
  });

  it('says which RUNTIME_DEFAULT_IMAGE deploys an agent built for another registry or version', () => {
    const { status, stderr } = build(['--registry', 'registry.example/team', '--version', 'dev-1']);
    expect(status).toBe(0);
    expect(stderr).toContain('set RUNTIME_DEFAULT_IMAGE=registry.example/team/federation-agent:dev-1');
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

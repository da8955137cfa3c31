import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSecretData } from '../controller/platform/kube/secrets.ts';
import { namespaceFor } from '../crds/names.ts';
import { type ProviderStandIns, startProviderStandIns } from '../e2e/providers/server.ts';
import { AGENT_DIR, ensureAgentBuild } from '../e2e/railway/agent-build.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { roomWithAgent } from '../e2e/support/livekit-room.ts';
import { type RunningLivekit, startLivekit } from '../e2e/testenv/livekit.ts';
import { ManagedProcess } from '../e2e/testenv/managed-process.ts';
import { REPO_ROOT } from '../e2e/testenv/platform.ts';
import { freePort } from '../e2e/testenv/ports.ts';
import { waitFor } from '../e2e/testenv/wait.ts';
import { Watchdog } from '../e2e/testenv/watchdog.ts';

/** The Dockerfile's production install, run here the same way (the test checks the Dockerfile says so). */
const INSTALL = ['ci', '--omit=dev', '--workspace', 'agent-image', '--no-audit', '--no-fund'];
/** The uid the image runs as is 65532; here the unprivileged `nobody` plays that part. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

let base: string;
let app: string;
let livekit: RunningLivekit;
let providers: ProviderStandIns;
let bed: GatewayTestbed;
const watchdog = new Watchdog();

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'fed-agent-image-'));
  chmodSync(base, 0o755);
  app = join(base, 'app');
  mkdirSync(join(app, 'agent-image'), { recursive: true });
  // COPY package.json package-lock.json ./ ; COPY agent-image/package.json agent-image/package.json
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(REPO_ROOT, f), join(app, f));
  copyFileSync(join(AGENT_DIR, 'package.json'), join(app, 'agent-image', 'package.json'));
  const install = spawnSync('npm', [...INSTALL, '--loglevel=error'], { cwd: app, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`npm ${INSTALL.join(' ')} failed:\n${install.stderr}`);
  // COPY --from=build /src/agent-image/dist agent-image/dist
  await ensureAgentBuild();
  cpSync(join(AGENT_DIR, 'dist'), join(app, 'agent-image', 'dist'), { recursive: true });
  // The image's build stage writes with umask 022; a checkout build made by npm start (umask 077) is owner-only.
  const readable = spawnSync('chmod', ['-R', 'a+rX', join(app, 'agent-image', 'dist')], { encoding: 'utf8' });
  if (readable.status !== 0) throw new Error(`chmod -R a+rX failed:\n${readable.stderr}`);
  [livekit, providers, bed] = await Promise.all([
    startLivekit({ watchdog }),
    startProviderStandIns(),
    startTestbed({ kubeconfig: inject('kubeconfig'), databaseUrl: inject('databaseUrl'), prefixes: ['image'] }),
  ]);
}, 900_000);

afterAll(async () => {
  await Promise.all([livekit?.stop(), providers?.stop()]);
  await bed?.stop();
  rmSync(base, { recursive: true, force: true });
  watchdog.dismiss();
});

function packages(): string[] {
  const nm = join(app, 'node_modules');
  return readdirSync(nm).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(nm, name)).map((n) => `${name}/${n}`) : name.startsWith('.') ? [] : [name],
  );
}

describe('the agent image', () => {
  it('is built from a pinned base, in stages, runs unprivileged and holds only the build and production install', () => {
    const dockerfile = readFileSync(join(AGENT_DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=\d+\.\d+\.\d+$/m);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
    expect(dockerfile).toContain(`RUN npm ${INSTALL.join(' ')}`);
    expect(dockerfile).toContain('COPY --from=build /src/agent-image/dist agent-image/dist');
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toContain('CMD ["node", "agent-image/dist/agent-image/src/main.js"]');
  });

  it('installs the agent’s production dependencies and nothing of the platform’s', () => {
    const installed = packages();
    expect(installed).toEqual(
      expect.arrayContaining([
        '@livekit/agents',
        '@livekit/agents-plugin-openai',
        '@livekit/agents-plugin-deepgram',
        '@livekit/agents-plugin-cartesia',
        '@livekit/agents-plugin-google',
        '@livekit/rtc-node',
        'pg',
        'zod',
      ]),
    );
    for (const absent of ['hono', '@kubernetes/client-node', '@pulumi/pulumi', 'vitest', '@biomejs/biome', 'tsx']) {
      expect(installed).not.toContain(absent);
    }
  });

  it('runs from that directory as an unprivileged user: ready, registered, and a job process answers in a room', async () => {
    const db = (await readSecretData(bed.kube, {
      namespace: namespaceFor(bed.departments[0] as string),
      name: 'database',
    })) as Record<string, string>;
    const port = await freePort();
    const department = bed.departments[0] as string;
    const agent = new ManagedProcess(
      'agent-image',
      process.execPath,
      [join(app, 'agent-image/dist/agent-image/src/main.js')],
      join(base, 'agent.log'),
      watchdog,
      {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOME: app,
        PORT: String(port),
        HOST: '127.0.0.1',
        AGENT_IDLE_PROCESSES: '0',
        DEPARTMENT_ID: department,
        LIVEKIT_URL: livekit.url,
        LIVEKIT_API_KEY: livekit.apiKey,
        LIVEKIT_API_SECRET: livekit.apiSecret,
        DB_HOST: db.host as string,
        DB_PORT: db.port as string,
        DB_NAME: db.database as string,
        DB_SCHEMA: db.schema as string,
        DB_USER: db.user as string,
        DB_PASSWORD: db.password as string,
        CEREBRAS_API_KEY: 'k',
        DEEPGRAM_API_KEY: 'k',
        CARTESIA_API_KEY: 'k',
        ...providers.env,
      },
      UNPRIVILEGED,
    );
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok, {
        timeoutMs: 90_000,
        intervalMs: 250,
        describe: () => `the installed agent did not become ready:\n${agent.logTail(30)}`,
      });
      const room = await roomWithAgent(livekit, `aio-${department}`);
      try {
        expect(await room.say('hello from the image test')).toBe('You said: hello from the image test');
      } finally {
        await room.close();
      }
    } finally {
      await agent.stop();
    }
  });
});

import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantSchemaFor } from '../../crds/names.ts';
import { type LaunchedPlatform, launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';
import { kubectlOk } from '../testenv/kubectl.ts';
import { waitFor } from '../testenv/wait.ts';

/**
 * Every file and directory below `dir` another account could read (list or open): readable by group or others
 * and reachable, i.e. every directory above it lets others pass (x). Postgres' own data directory is its user's.
 */
/** Public by nature: the local Railway edge's CA certificate, which an unprivileged controller must read. */
const PUBLIC_FILES = new Set(['railway-edge-ca.pem']);

function readableByOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      // 0711: others may pass through (Postgres, its own user, reaches its data dir) but never list.
      if (st.mode & 0o044) found.push(`${path} (${(st.mode & 0o777).toString(8)})`);
      if ((st.mode & 0o011) === 0 || st.uid !== process.getuid?.()) return; // nothing below is reachable, or not ours
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (st.isFile() && st.mode & 0o044 && !PUBLIC_FILES.has(basename(path))) {
      found.push(`${path} (${(st.mode & 0o777).toString(8)})`);
    }
  };
  walk(dir);
  return found;
}

async function departmentsAt(platform: LaunchedPlatform) {
  const out = await kubectlOk(platform.kubeconfig, [
    'get',
    'dept',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}|{.metadata.uid}|{.status.projectId}|{.status.workflowIds}{"\\n"}{end}',
  ]);
  return out.trim().split('\n').sort();
}

/** Every deployment the local Railway server ever made: a restart that redeployed an agent adds one. */
function railwayDeployments(stateDir: string): string[] {
  const saved = JSON.parse(readFileSync(join(stateDir, 'data', 'secrets', 'railway.json'), 'utf8'));
  return (saved.deployments as [string, unknown][]).map(([id]) => id).sort();
}

function railwayProjects(stateDir: string): string[] {
  const saved = JSON.parse(readFileSync(join(stateDir, 'data', 'secrets', 'railway.json'), 'utf8'));
  return (saved.projects as [string, { name: string }][]).map(([id, p]) => `${p.name}:${id}`).sort();
}

/**
 * The workflow ids n8n itself holds (read with the API key the platform keeps), not what the status says. n8n is
 * supervised and may be between restarts on a busy machine, so its API gets a minute to answer.
 */
async function n8nWorkflowIds(platform: LaunchedPlatform): Promise<string[]> {
  const identity = JSON.parse(
    readFileSync(join(platform.stateDir, 'data', 'secrets', 'n8n', 'identity.json'), 'utf8'),
  ) as { apiKey: string };
  let ids: string[] = [];
  let last = '';
  await waitFor(
    async () => {
      const res = await fetch(`${platform.env.N8N_URL}/api/v1/workflows?limit=250`, {
        headers: { 'X-N8N-API-KEY': identity.apiKey },
      }).catch((err: Error) => {
        last = `${err.message} (${(err.cause as Error | undefined)?.message})`;
        throw err;
      });
      last = `${res.status}`;
      if (res.status !== 200) return false;
      ids = ((await res.json()) as { data: { id: string }[] }).data.map((w) => w.id).sort();
      return true;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      describe: () => `n8n at ${platform.env.N8N_URL} did not list its workflows (${last}):\n${platform.output()}`,
    },
  );
  return ids;
}

/** Every example Department Ready (its agent answered healthy since this controller started), within 2 min. */
async function waitForAllReady(platform: LaunchedPlatform): Promise<void> {
  let last = '';
  await waitFor(
    async () => {
      last = await kubectlOk(platform.kubeconfig, [
        'get',
        'dept',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}',
      ]);
      return last.trim() === 'True True True';
    },
    { timeoutMs: 120_000, intervalMs: 1_000, describe: () => `not all Ready (${last}):\n${platform.output()}` },
  );
}

const flags = `${pg.escapeIdentifier(tenantSchemaFor('hr'))}.feature_flags`;

describe('npm start keeps its state (like a kind cluster)', { timeout: 1_500_000 }, () => {
  const launched: LaunchedPlatform[] = [];
  afterAll(async () => {
    for (const p of launched) {
      p.child.kill('SIGINT');
      await p.exited;
    }
    if (launched[0]) rmSync(launched[0].stateDir, { recursive: true, force: true });
  });

  it('comes back after a Ctrl-C and after a SIGKILL with the same Departments, tenant rows, n8n workflows and Railway projects', async () => {
    const first = await launchPlatform({ args: ['--fresh'] });
    launched.push(first);
    await waitForExamplesActive(first);
    const before = await departmentsAt(first);
    expect(before).toHaveLength(3);
    const workflows = await n8nWorkflowIds(first);
    expect(workflows.length).toBeGreaterThanOrEqual(3);
    const db = new pg.Client({ connectionString: first.env.DATABASE_URL });
    await db.connect();
    await db.query(`INSERT INTO ${flags} (flag_key, enabled) VALUES ('kept-across-restarts', true)`);
    await db.end();
    const projects = railwayProjects(first.stateDir);
    expect(projects).toHaveLength(3);
    const deployments = railwayDeployments(first.stateDir);
    // What makes the next start quick (n8n-preload.cjs): the editor UI's rewrite is stamped, and the modules n8n
    // loaded are listed for the read-ahead.
    const n8nDir = join(first.stateDir, 'data', 'secrets', 'n8n');
    expect(readFileSync(join(n8nDir, 'user', '.cache', 'n8n', 'public', '.federation-generated'), 'utf8')).toMatch(
      /^[0-9a-f]{64}$/,
    );
    const modules = readFileSync(join(n8nDir, 'modules.txt'), 'utf8').split('\n').filter(Boolean);
    expect(modules.length).toBeGreaterThan(1000);
    expect(modules.some((m) => m.endsWith(join('n8n', 'dist', 'commands', 'start.js')))).toBe(true);

    // Secrets on disk are for this account only: the run and state directories are readable by no one else.
    expect(readableByOthers(first.stateDir)).toEqual([]);
    expect(readableByOthers(first.env.FEDERATION_RUN_DIR as string)).toEqual([]);

    // A graceful stop (Ctrl-C) first, then a SIGKILL: each restart finds everything as it was, n8n included (the
    // identity saved with its API key names n8n's database, so a start uses the same n8n rather than making another).
    let previous = first;
    for (const stop of ['SIGINT', 'SIGKILL'] as const) {
      previous.child.kill(stop);
      await previous.exited;
      const next = await launchPlatform({ stateDir: first.stateDir });
      launched.push(next);
      await waitForExamplesActive(next);
      expect(await departmentsAt(next), `after ${stop}`).toEqual(before);
      expect(await n8nWorkflowIds(next), `after ${stop}`).toEqual(workflows);
      expect(railwayProjects(next.stateDir), `after ${stop}`).toEqual(projects);
      await waitForAllReady(next);
      // LiveKit and the provider stand-ins keep their addresses and key, so the agents Railway brings back still
      // work and a restart redeploys none of them.
      expect(next.env.LIVEKIT_URL, `after ${stop}`).toBe(first.env.LIVEKIT_URL);
      expect(railwayDeployments(next.stateDir), `after ${stop}`).toEqual(deployments);
      const again = new pg.Client({ connectionString: next.env.DATABASE_URL });
      await again.connect();
      const rows = await again.query(`SELECT enabled FROM ${flags} WHERE flag_key = 'kept-across-restarts'`);
      await again.end();
      expect(rows.rows, `after ${stop}`).toEqual([{ enabled: true }]);
      expect(next.output()).not.toContain('--fresh: removing');
      previous = next;
    }
  }, 1_500_000);
});

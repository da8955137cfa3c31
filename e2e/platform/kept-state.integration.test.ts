import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tenantSchemaFor } from '../../crds/names.ts';
import { type LaunchedPlatform, launchPlatform, waitForExamplesActive } from '../support/launch-platform.ts';
import { kubectlOk } from '../testenv/kubectl.ts';

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

function railwayProjects(stateDir: string): string[] {
  const saved = JSON.parse(readFileSync(join(stateDir, 'data', 'secrets', 'railway.json'), 'utf8'));
  return (saved.projects as [string, { name: string }][]).map(([id, p]) => `${p.name}:${id}`).sort();
}

const flags = `${pg.escapeIdentifier(tenantSchemaFor('hr'))}.feature_flags`;

describe('npm start keeps its state (like a kind cluster)', { timeout: 720_000 }, () => {
  const launched: LaunchedPlatform[] = [];
  afterAll(async () => {
    for (const p of launched) {
      p.child.kill('SIGINT');
      await p.exited;
    }
    if (launched[0]) rmSync(launched[0].stateDir, { recursive: true, force: true });
  });

  it('does come back after a SIGKILL with the same Departments, tenant rows, n8n workflows and Railway projects', async () => {
    const first = await launchPlatform({ args: ['--fresh'] });
    launched.push(first);
    await waitForExamplesActive(first);
    const before = await departmentsAt(first);
    expect(before).toHaveLength(3);
    const db = new pg.Client({ connectionString: first.env.DATABASE_URL });
    await db.connect();
    await db.query(`INSERT INTO ${flags} (flag_key, enabled) VALUES ('kept-across-restarts', true)`);
    await db.end();
    const projects = railwayProjects(first.stateDir);
    expect(projects).toHaveLength(3);

    // Secrets on disk are for this account only (issue #14: the run and state directories were world-readable).
    expect(readableByOthers(first.stateDir)).toEqual([]);
    expect(readableByOthers(first.env.FEDERATION_RUN_DIR as string)).toEqual([]);

    first.child.kill('SIGKILL');
    await first.exited;
    const second = await launchPlatform({ stateDir: first.stateDir });
    launched.push(second);
    await waitForExamplesActive(second);
    expect(await departmentsAt(second)).toEqual(before);
    expect(railwayProjects(second.stateDir)).toEqual(projects);
    const again = new pg.Client({ connectionString: second.env.DATABASE_URL });
    await again.connect();
    const rows = await again.query(`SELECT enabled FROM ${flags} WHERE flag_key = 'kept-across-restarts'`);
    await again.end();
    expect(rows.rows).toEqual([{ enabled: true }]);
    expect(second.output()).not.toContain('--fresh: removing');
  }, 900_000);
});

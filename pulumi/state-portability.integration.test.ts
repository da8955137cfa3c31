import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RailwayServer, startRailwayServer } from '../e2e/railway/server.ts';
import { REPO_ROOT } from '../e2e/testenv/platform.ts';
import { installProductionTree, type ProductionTree } from '../e2e/testenv/production-tree.ts';
import { ensurePulumiCli } from '../e2e/testenv/pulumi-cli.ts';
import type { RuntimeInputs } from './inputs.ts';

const DRIVER = join(REPO_ROOT, 'e2e/support/stack-driver.mjs');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

/** Pulumi state must name the Railway provider by package, never by a path of the install that wrote it. */
describe('runtime stacks across installs', () => {
  let first: ProductionTree;
  let second: string;
  let railway: RailwayServer;
  let scratch: string;
  let options: Record<string, unknown>;

  const inputs = (image: string): RuntimeInputs => ({
    department: 'portable',
    displayName: 'Portable',
    image,
    replicas: 1,
    env: { DEPARTMENT_ID: 'portable', DB_PASSWORD: 's3cret-password' },
  });
  // Asynchronously: the local Railway server answering the engine lives in this process.
  const drive = async (root: string, operation: string, runtime: RuntimeInputs) => {
    const args = [DRIVER, root, operation, JSON.stringify({ ...options, inputs: runtime })];
    const { stdout } = await promisify(execFile)(process.execPath, args, { env: { PATH: process.env.PATH } });
    return JSON.parse(stdout);
  };

  beforeAll(async () => {
    first = await installProductionTree();
    second = join(mkdtempSync(join(tmpdir(), 'fed-prod-second-')), 'app');
    cpSync(first.root, second, { recursive: true });
    railway = await startRailwayServer({ token: 'portable-token' });
    scratch = mkdtempSync(join(tmpdir(), 'fed-portable-'));
    options = {
      backendUrl: `file://${join(scratch, 'state')}`,
      cliRoot: (await ensurePulumiCli()).root,
      pulumiHome: join(scratch, 'pulumi-home'),
      workRoot: join(scratch, 'work'),
      railwayUrl: railway.url,
      railwayToken: 'portable-token',
      passphrase: 'portable-passphrase',
    };
  }, 600_000);

  afterAll(async () => {
    await railway?.stop();
    first?.remove();
    rmSync(join(second, '..'), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('does refresh, update and destroy from a second install a stack the first (now deleted) created', async () => {
    const created = await drive(first.root, 'up', inputs('registry.example/agent:1'));
    expect(railway.state.projects.get(created.projectId)?.name).toBe('aio-portable-prod');
    first.remove();

    expect(await drive(second, 'drift', inputs('registry.example/agent:1'))).toEqual({ differences: [] });
    const updated = await drive(second, 'up', inputs('registry.example/agent:2'));
    expect(updated.projectId).toBe(created.projectId);
    expect(railway.state.services.get(updated.serviceId)?.image).toBe('registry.example/agent:2');

    const state = files(join(scratch, 'state'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(state).toContain('railway:index:Service');
    for (const path of [first.root, second, REPO_ROOT, 'fed-prod-', 'file:', 'dynamic', 'sourcePosition']) {
      expect(state).not.toContain(path);
    }
    expect(state).not.toContain('s3cret-password');

    await drive(second, 'remove', inputs('registry.example/agent:2'));
    expect(railway.state.projects.size).toBe(0);
  }, 600_000); // four engine runs from two installs, each starting the pulumi CLI and the provider plugin
});

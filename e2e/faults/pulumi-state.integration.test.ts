import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PULUMI_PROJECT } from '../../pulumi/stack.ts';
import { pulumiBackendFor } from '../../reconcilers/runtime/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ensurePulumiCli } from '../testenv/pulumi-cli.ts';
import { PulumiState } from './pulumi-state.ts';

const exec = promisify(execFile);

describe('PulumiState (the fault suite reading the controller’s Pulumi state)', () => {
  let db: TestDatabase;
  let project: string;
  beforeAll(async () => {
    // As on the platform: the superuser has a schema of its own name (the federation migrations create it).
    db = await createTestDatabase(inject('databaseUrl'));
    project = await mkdtemp(join(tmpdir(), 'fed-pulumi-state-'));
    await writeFile(join(project, 'Pulumi.yaml'), `name: ${PULUMI_PROJECT}\nruntime: nodejs\n`);
  });
  afterAll(async () => {
    await db?.drop([]);
    await rm(project, { recursive: true, force: true });
  });

  /** Runs Pulumi's own CLI against `backendUrl`. */
  async function pulumi(backendUrl: string, args: string[]): Promise<void> {
    const cli = await ensurePulumiCli();
    await exec(cli.pulumi, [...args, '--non-interactive'], {
      cwd: project,
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: backendUrl,
        PULUMI_HOME: cli.pulumiHome,
        PULUMI_CONFIG_PASSPHRASE: 'fault-suite',
        PULUMI_SKIP_UPDATE_CHECK: 'true',
      },
    });
  }

  it('finds a stack in the table the backend URL resolves, the user’s own schema before public', async () => {
    const backendUrl = pulumiBackendFor(db.url);
    await pulumi(backendUrl, ['stack', 'init', 'hr']);
    const state = await PulumiState.open(backendUrl);
    try {
      expect(state.tableName).toBe(`${new URL(db.url).username}.pulumi_state`);
      // The checkpoint and its backup.
      expect(await state.stackKeys(PULUMI_PROJECT, 'hr')).toEqual([
        `${new URL(db.url).pathname.slice(1)}/.pulumi/stacks/${PULUMI_PROJECT}/hr.json`,
        `${new URL(db.url).pathname.slice(1)}/.pulumi/stacks/${PULUMI_PROJECT}/hr.json.bak`,
      ]);
      expect(await state.stackKeys(PULUMI_PROJECT, 'sales')).toEqual([]);
    } finally {
      await state.close();
    }
  });

  it('reads the table a ?table= parameter names', async () => {
    const url = new URL(pulumiBackendFor(db.url));
    url.searchParams.set('table', 'fault_suite_state');
    await pulumi(url.toString(), ['stack', 'init', 'accounting']);
    const state = await PulumiState.open(url.toString());
    try {
      expect(state.tableName).toBe(`${url.username}.fault_suite_state`);
      expect(await state.stackKeys(PULUMI_PROJECT, 'accounting')).toHaveLength(2);
      expect(await state.stackKeys(PULUMI_PROJECT, 'hr')).toEqual([]); // in the other table
    } finally {
      await state.close();
    }
  });

  it('fails when the backend holds no such table, instead of reporting no keys', async () => {
    const url = new URL(pulumiBackendFor(db.url));
    url.searchParams.set('table', 'never_created');
    const error = await PulumiState.open(url.toString()).catch((e: Error) => e);
    expect(String(error)).toMatch(/state table never_created does not exist/);
    // The message names the connection, never its password.
    expect(String(error)).not.toContain(decodeURIComponent(new URL(db.url).password));
  });
});

import { execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import { REPO_ROOT } from '../../e2e/testenv/platform.ts';
import { createDatabaseComponent } from '../../reconcilers/database/component.ts';
import { TENANT_MIGRATIONS } from '../../reconcilers/database/tenant-migrations.ts';

const exec = promisify(execFile);
const marketing = randomDepartment('marketing');

describe('migration CLI', () => {
  let db: TestDatabase;
  const cli = (...args: string[]) =>
    exec('node', ['controller/bin/federation.mjs', 'db', ...args], {
      env: { ...process.env, DATABASE_URL: db.url },
    });

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const kc = kubeConfigFrom(inject('kubeconfig'));
    await createNamespace(kc, marketing);
    const old = createDatabaseComponent({
      pool: db.pool,
      endpoint: db.endpoint,
      migrations: TENANT_MIGRATIONS.slice(0, 2),
    });
    await old.apply(testContext(kc, departmentObject(marketing)));
  });

  afterAll(async () => {
    await db?.drop([marketing]);
  });

  it('does show each department’s schema version', async () => {
    const { stdout } = await cli('status');
    expect(stdout).toContain(`${marketing}\tACTIVE\t2\t4\t2`);
  });

  it('does print the SQL a migration would run without running it', async () => {
    const { stdout } = await cli('preview', '--department', marketing);
    expect(stdout).toContain('-- up 3 retention_functions');
    expect(stdout).toContain('CREATE OR REPLACE FUNCTION');
    expect((await cli('status', '--department', marketing)).stdout).toContain('\t2\t4\t2');
  });

  it('does roll back to a version and migrate everything forward again', async () => {
    expect((await cli('rollback', '--department', marketing, '--to', '1')).stdout).toContain('2 -> 1');
    expect((await cli('migrate')).stdout).toContain(`${marketing}\t1 -> 4`);
  });

  it('does print the schema status and the migration outcomes as JSON with -o json, progress on stderr', async () => {
    expect((await cli('rollback', '--department', marketing, '--to', '2')).stdout).toContain('4 -> 2');
    const status = JSON.parse((await cli('status', '--department', marketing, '-o', 'json')).stdout);
    expect(status).toEqual([{ department: marketing, status: 'ACTIVE', version: 2, latest: 4, pending: 2 }]);

    const migrate = await cli('migrate', '-o', 'json');
    expect(migrate.stderr).toMatch(/^federation schema: up to date$/m);
    expect(migrate.stderr).toContain(`${marketing}\t2 -> 4\n`);
    const outcomes = JSON.parse(migrate.stdout) as { department: string }[];
    expect(outcomes.find((o) => o.department === marketing)).toEqual({
      department: marketing,
      ok: true,
      from: 2,
      to: 4,
    });
  });

  it('does answer through kubectl as a plugin: kubectl federation db status', async () => {
    const { stdout } = await exec('kubectl', ['federation', 'db', 'status', '--department', marketing, '-o', 'json'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        PATH: `${join(REPO_ROOT, 'controller', 'bin')}${delimiter}${process.env.PATH}`,
      },
    });
    expect(JSON.parse(stdout)).toEqual([
      { department: marketing, status: 'ACTIVE', version: 4, latest: 4, pending: 0 },
    ]);
  });

  it('does refuse a department name that is not a DNS label', async () => {
    await expect(cli('preview', '--department', 'x"; DROP SCHEMA federation; --')).rejects.toMatchObject({
      stderr: expect.stringContaining('department name must be a DNS label'),
    });
  });
});

/**
 * The migration runner (the seed's migration-runner.py), against DATABASE_URL:
 *
 *   federation db migrate                      federation schema + every department to latest
 *   federation db status [--department hr]     each department's schema version
 *   federation db preview --department hr [--to 2]   print the SQL that would run
 *   federation db rollback --department hr --to 1
 *   federation db retention                    run the retention functions once
 */
import type { Command } from 'commander';
import pg from 'pg';
import { SCHEMA_VERSION_ANNOTATION } from '../../reconcilers/database/conditions.ts';
import { tenantNames } from '../../reconcilers/database/names.ts';
import { runRetention } from '../../reconcilers/database/retention.ts';
import { withTenantLock } from '../../reconcilers/database/tenant-lock.ts';
import { migrateTenant, previewTenant } from '../../reconcilers/database/tenant-migrate.ts';
import { LATEST_VERSION } from '../../reconcilers/database/tenant-migrations.ts';
import { type UpgradeOutcome, upgradeAllTenants } from '../../reconcilers/database/tenant-upgrade.ts';
import { migrateFederation } from '../platform/database/federation-migrate.ts';
import {
  databaseUrl,
  departmentArgument,
  integerArgument,
  type OutputFormat,
  printJson,
  withOutput,
} from './program.ts';

interface SchemaStatus {
  department: string;
  status: string;
  version: number;
  latest: number;
  /** Migrations still to run; null for a deprovisioned department. */
  pending: number | null;
}

async function schemaStatus(pool: pg.Pool, department?: string): Promise<SchemaStatus[]> {
  const { rows } = await pool.query<{ department_id: string; status: string; version: number }>(
    `SELECT d.department_id, d.status, coalesce(max(m.version), 0)::int AS version
       FROM federation.departments d LEFT JOIN federation.schema_migrations m USING (department_id)
      WHERE $1::text IS NULL OR d.department_id = $1
      GROUP BY d.department_id, d.status ORDER BY d.department_id`,
    [department ?? null],
  );
  return rows.map((r) => ({
    department: r.department_id,
    status: r.status,
    version: r.version,
    latest: LATEST_VERSION,
    pending: r.status === 'DEPROVISIONED' ? null : LATEST_VERSION - r.version,
  }));
}

function outcomeLine(o: UpgradeOutcome): string {
  return o.ok ? `${o.department}\t${o.result.from} -> ${o.result.to}` : `${o.department}\tFAILED: ${o.error.message}`;
}

function outcomeJson(o: UpgradeOutcome) {
  return o.ok
    ? { department: o.department, ok: true, from: o.result.from, to: o.result.to }
    : { department: o.department, ok: false, error: o.error.message };
}

/** Runs `work` on a pool of DATABASE_URL, closing it afterwards. */
async function withPool<T>(work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: databaseUrl() });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

export function registerDb(program: Command, setExitCode: (code: number) => void): void {
  const db = program
    .command('db')
    .description('the platform and tenant schema migrations (DATABASE_URL: the platform database)');

  withOutput(
    db
      .command('migrate')
      .description(
        'migrate the federation schema, then every department to the latest version, printing each as it goes',
      )
      .option('--concurrency <n>', 'departments migrated at once', integerArgument(1), 4),
  ).action(async (opts: { concurrency: number; output: OutputFormat }) => {
    // Progress goes to stdout as text; with -o json it goes to stderr and stdout holds the JSON alone.
    const progress = (line: string) => (opts.output === 'json' ? process.stderr : process.stdout).write(`${line}\n`);
    const outcomes = await withPool(async (pool) => {
      await migrateFederation(pool);
      progress('federation schema: up to date');
      return upgradeAllTenants(pool, { concurrency: opts.concurrency, onOutcome: (o) => progress(outcomeLine(o)) });
    });
    if (opts.output === 'json') printJson(outcomes.map(outcomeJson));
    setExitCode(outcomes.every((o) => o.ok) ? 0 : 1);
  });

  withOutput(
    db
      .command('status')
      .description("each department's tenant schema version")
      .option('--department <name>', 'only this department', departmentArgument),
  ).action(async (opts: { department?: string; output: OutputFormat }) => {
    const rows = await withPool((pool) => schemaStatus(pool, opts.department));
    if (opts.output === 'json') return printJson(rows);
    console.log(['DEPARTMENT', 'STATUS', 'VERSION', 'LATEST', 'PENDING'].join('\t'));
    for (const r of rows) console.log([r.department, r.status, r.version, r.latest, r.pending ?? '-'].join('\t'));
  });

  db.command('preview')
    .description("print the SQL that would bring a department's schema to a version, without running it")
    .requiredOption('--department <name>', 'the department', departmentArgument)
    .option('--to <version>', 'the target version (default: the latest)', integerArgument(0))
    .action(async (opts: { department: string; to?: number }) => {
      const sql = await withPool((pool) =>
        previewTenant(pool, tenantNames(opts.department), opts.to === undefined ? {} : { target: opts.to }),
      );
      process.stdout.write(sql);
    });

  withOutput(
    db
      .command('rollback')
      .description("run a department's down migrations to a version")
      .requiredOption('--department <name>', 'the department', departmentArgument)
      .requiredOption('--to <version>', 'the version to go back to', integerArgument(0)),
  ).action(async (opts: { department: string; to: number; output: OutputFormat }) => {
    const n = tenantNames(opts.department);
    const result = await withPool((pool) =>
      withTenantLock(pool, n.department, (client) => migrateTenant(client, n, { target: opts.to })),
    );
    const hint = `the operator re-applies newer migrations unless the Department is annotated ${SCHEMA_VERSION_ANNOTATION}=${opts.to}`;
    if (opts.output === 'json') return printJson({ department: n.department, from: result.from, to: result.to, hint });
    console.log(`${n.department}\t${result.from} -> ${result.to}`);
    console.log(hint);
  });

  withOutput(db.command('retention').description('run the retention functions once')).action(
    async (opts: { output: OutputFormat }) => {
      const removed = await withPool((pool) => runRetention(pool));
      if (opts.output === 'json') return printJson(removed);
      for (const [name, value] of Object.entries(removed)) console.log(`${name}\t${JSON.stringify(value)}`);
    },
  );
}

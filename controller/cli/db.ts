/**
 * The migration runner (the seed's migration-runner.py), against DATABASE_URL:
 *
 *   federation db migrate                      federation schema + every department to latest
 *   federation db status [--department hr]     each department's schema version
 *   federation db preview --department hr [--to 2]   print the SQL that would run
 *   federation db rollback --department hr --to 1
 *   federation db retention                    run the retention functions once
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SCHEMA_VERSION_ANNOTATION } from '../../reconcilers/database/conditions.ts';
import { tenantNames } from '../../reconcilers/database/names.ts';
import { runRetention } from '../../reconcilers/database/retention.ts';
import { withTenantLock } from '../../reconcilers/database/tenant-lock.ts';
import { migrateTenant, previewTenant } from '../../reconcilers/database/tenant-migrate.ts';
import { LATEST_VERSION } from '../../reconcilers/database/tenant-migrations.ts';
import { upgradeAllTenants } from '../../reconcilers/database/tenant-upgrade.ts';
import { migrateFederation } from '../platform/database/federation-migrate.ts';

export const DB_USAGE =
  'usage: federation db migrate|status|preview|rollback|retention [--department NAME] [--to VERSION] [--concurrency N]';

async function status(pool: pg.Pool, department?: string): Promise<void> {
  const { rows } = await pool.query<{ department_id: string; status: string; version: number }>(
    `SELECT d.department_id, d.status, coalesce(max(m.version), 0)::int AS version
       FROM federation.departments d LEFT JOIN federation.schema_migrations m USING (department_id)
      WHERE $1::text IS NULL OR d.department_id = $1
      GROUP BY d.department_id, d.status ORDER BY d.department_id`,
    [department ?? null],
  );
  console.log(['DEPARTMENT', 'STATUS', 'VERSION', 'LATEST', 'PENDING'].join('\t'));
  for (const r of rows) {
    const pending = r.status === 'DEPROVISIONED' ? '-' : String(LATEST_VERSION - r.version);
    console.log([r.department_id, r.status, r.version, LATEST_VERSION, pending].join('\t'));
  }
}

/** Runs one `federation db` command; resolves with the exit code. */
export async function db(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { department: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const [command] = positionals;
  const url = process.env.DATABASE_URL;
  if (!url || !command) {
    console.error(url ? DB_USAGE : 'DATABASE_URL must be set');
    return 2;
  }
  const target = values.to === undefined ? undefined : Number(values.to);
  const needDepartment = () => {
    if (!values.department) throw new Error('--department is required');
    return tenantNames(values.department);
  };
  const pool = new pg.Pool({ connectionString: url });
  try {
    switch (command) {
      case 'migrate': {
        await migrateFederation(pool);
        const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
        const outcomes = await upgradeAllTenants(pool, concurrency ? { concurrency } : {});
        for (const o of outcomes) {
          console.log(
            o.ok
              ? `${o.department}\t${o.result.from} -> ${o.result.to}`
              : `${o.department}\tFAILED: ${o.error.message}`,
          );
        }
        return outcomes.every((o) => o.ok) ? 0 : 1;
      }
      case 'status':
        await status(pool, values.department);
        return 0;
      case 'preview':
        process.stdout.write(await previewTenant(pool, needDepartment(), target === undefined ? {} : { target }));
        return 0;
      case 'rollback': {
        const n = needDepartment();
        if (target === undefined) throw new Error('--to is required');
        const result = await withTenantLock(pool, n.department, (client) => migrateTenant(client, n, { target }));
        console.log(`${n.department}\t${result.from} -> ${result.to}`);
        console.log(
          `the operator re-applies newer migrations unless the Department is annotated ${SCHEMA_VERSION_ANNOTATION}=${target}`,
        );
        return 0;
      }
      case 'retention':
        console.log(JSON.stringify(await runRetention(pool), null, 2));
        return 0;
      default:
        console.error(DB_USAGE);
        return 2;
    }
  } finally {
    await pool.end();
  }
}

/**
 * Provisioning benchmark. Prints: median time to provision one department through the component
 * (schema, 24 tables, RLS, role, Secret, validation, isolation proof) over 20 runs; total time for 100
 * departments at the controller's default concurrency; and the same DDL applied with psql, as a ratio.
 *
 *   npm run bench:postgres            (starts its own API server and Postgres)
 *   KUBECONFIG=... DATABASE_URL=... npm run bench:postgres
 */
import PQueue from 'p-queue';
import { createDatabaseComponent } from '../../reconcilers/database/component.ts';
import { tenantNames } from '../../reconcilers/database/names.ts';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  testContext,
} from '../support/database.ts';
import { startPlatform } from '../testenv/platform.ts';
import { applyWithPsql } from './database-psql.ts';

const RUNS = 20;
const DEPARTMENTS = 100;
const CONTROLLER_WORKERS = 8; // controller/config.ts WORKERS default

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const platform =
    process.env.KUBECONFIG && process.env.DATABASE_URL ? undefined : await startPlatform({ installCrds: true });
  const kubeconfig = process.env.KUBECONFIG ?? (platform?.kubeconfig as string);
  const superuserUrl = process.env.DATABASE_URL ?? (platform?.databaseUrl as string);
  const kc = kubeConfigFrom(kubeconfig);
  const db = await createTestDatabase(superuserUrl);
  db.pool.options.max = CONTROLLER_WORKERS * 2;
  const component = createDatabaseComponent({ pool: db.pool, endpoint: db.endpoint });
  const created: string[] = [];
  const tag = Date.now().toString(36);
  const provision = async (name: string) => {
    created.push(name);
    await createNamespace(kc, name);
    const started = performance.now();
    const result = await component.apply(testContext(kc, departmentObject(name)));
    const elapsed = performance.now() - started;
    if (result.condition.status !== 'True') throw new Error(`${name}: ${result.condition.message}`);
    return elapsed;
  };
  try {
    await provision(`warm-${tag}`);
    const single: number[] = [];
    for (let i = 0; i < RUNS; i++) single.push(await provision(`one-${tag}-${i}`));
    const psql: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const n = tenantNames(`psql-${tag}-${i}`);
      created.push(n.department);
      psql.push(await applyWithPsql(db.url, n));
    }
    const queue = new PQueue({ concurrency: CONTROLLER_WORKERS });
    const started = performance.now();
    await Promise.all(Array.from({ length: DEPARTMENTS }, (_, i) => queue.add(() => provision(`many-${tag}-${i}`))));
    const total = performance.now() - started;

    console.log(`provision one department (component, median of ${RUNS}): ${ms(median(single))}`);
    console.log(`  min ${ms(Math.min(...single))}, max ${ms(Math.max(...single))}`);
    console.log(`same DDL with psql (median of ${RUNS}):               ${ms(median(psql))}`);
    console.log(`ratio component / psql:                             ${(median(single) / median(psql)).toFixed(2)}x`);
    console.log(`provision ${DEPARTMENTS} departments, ${CONTROLLER_WORKERS} workers:               ${ms(total)}`);
  } finally {
    await db.drop(created);
    await platform?.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});

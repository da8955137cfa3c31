import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { argocdHealth, argocdVersion, ensureArgocdCli, type HealthResult } from '../../e2e/testenv/argocd-cli.ts';
import { GROUP, HEALTH_KINDS, healthScriptPath, renderArgocdCm } from './argocd-cm.ts';

// The health checks run in the Lua runtime Argo CD runs: the real argocd CLI (built from the Go module proxy by
// e2e/testenv/argocd-cli.ts) evaluates each testdata object with the scripts exactly as argocd-cm.yaml installs
// them, i.e. with the restricted libraries of argocd-cm scripts (no string, math or os).

const ARGOCD_CM = fileURLToPath(new URL('./argocd-cm.yaml', import.meta.url));
const BUILD_TIMEOUT_MS = 45 * 60_000; // a cold build of the argocd CLI, on a loaded 2-core machine

interface HealthTest {
  inputPath: string;
  healthStatus: HealthResult;
}

function cases(kind: (typeof HEALTH_KINDS)[number]): { dir: string; tests: HealthTest[] } {
  const dir = dirname(healthScriptPath(kind));
  return { dir, tests: parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')).tests };
}

/** The CLI is a ~200 MB static binary: its first start reads it from disk, which a loaded machine makes slow. */
const CLI_TIMEOUT_MS = 30_000;

let argocd: string;
beforeAll(async () => {
  argocd = await ensureArgocdCli();
  await argocdVersion(argocd);
}, BUILD_TIMEOUT_MS);

describe('Argo CD health checks', () => {
  it('installs exactly the scripts in resource_customizations (run `npx tsx deploy/argocd/argocd-cm.ts`)', () => {
    expect(readFileSync(ARGOCD_CM, 'utf8')).toBe(renderArgocdCm());
    const data = parse(readFileSync(ARGOCD_CM, 'utf8')).data as Record<string, string>;
    // Restricted like any argocd-cm script unless opted in: the scripts must not rely on the string library.
    expect(Object.keys(data).filter((k) => k.includes('useOpenLibs'))).toEqual([]);
    for (const kind of HEALTH_KINDS) {
      expect(data[`resource.customizations.health.${GROUP}_${kind}`]).toBe(
        readFileSync(healthScriptPath(kind), 'utf8'),
      );
    }
  });

  it('covers Healthy, Progressing twice, Degraded twice and Suspended for Departments', () => {
    const statuses = cases('Department').tests.map((t) => t.healthStatus.status);
    expect(statuses.sort()).toEqual(['Degraded', 'Degraded', 'Healthy', 'Progressing', 'Progressing', 'Suspended']);
  });

  it.each(HEALTH_KINDS)('lists every %s testdata file in health_test.yaml', (kind) => {
    const { dir, tests } = cases(kind);
    const listed = tests.map((t) => t.inputPath).sort();
    expect(listed).toEqual(
      readdirSync(join(dir, 'testdata'))
        .map((f) => `testdata/${f}`)
        .sort(),
    );
  });

  for (const kind of HEALTH_KINDS) {
    const { dir, tests } = cases(kind);
    it.each(tests.map((t) => [t.inputPath, t] as const))(
      `${kind} %s`,
      async (_input, test) => {
        const result = await argocdHealth(argocd, join(dir, test.inputPath), ARGOCD_CM);
        expect(result).toEqual(test.healthStatus);
      },
      CLI_TIMEOUT_MS,
    );
  }

  it(
    'treats a Department being deleted as Progressing before the script runs (as Argo CD does)',
    async () => {
      const { dir } = cases('Department');
      const object = parse(readFileSync(join(dir, 'testdata', 'healthy.yaml'), 'utf8'));
      object.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      const file = join(tmpdir(), `federation-deleting-${process.pid}.yaml`);
      writeFileSync(file, JSON.stringify(object));
      expect(await argocdHealth(argocd, file, ARGOCD_CM)).toEqual({
        status: 'Progressing',
        message: 'Pending deletion',
      });
    },
    CLI_TIMEOUT_MS,
  );
});

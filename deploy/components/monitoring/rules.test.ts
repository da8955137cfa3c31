import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensurePromtool } from '../../../e2e/testenv/prometheus-tools.ts';

// The PrometheusRule's alerts, unit-tested by Prometheus' own rule engine: `promtool check rules` on its spec,
// then `promtool test rules` with the cases in rules.test.yaml.

const HERE = fileURLToPath(new URL('./', import.meta.url));
const run = promisify(execFile);

let promtool: string;
let dir: string;
/** A cold build of promtool when .ci/run's prepare step has not cached it (about 8 minutes on 2 busy cores). */
const BUILD_TIMEOUT_MS = 20 * 60_000;

beforeAll(async () => {
  promtool = await ensurePromtool();
  dir = await mkdtemp(join(tmpdir(), 'federation-rules-'));
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}

/**
 * Writes the rules (the PrometheusRule's spec, or a changed copy) and the test cases into the temp dir. The
 * descriptions (fixed prose) are left out, since promtool compares annotations whole; the cases check the
 * summaries, which carry the templated values.
 */
async function writeRules(change: (spec: { groups: { rules: Rule[] }[] }) => void = () => {}) {
  const rule = parse(await readFile(join(HERE, 'prometheus-rule.yaml'), 'utf8'));
  for (const group of rule.spec.groups) for (const r of group.rules as Rule[]) delete r.annotations?.description;
  change(rule.spec);
  await writeFile(join(dir, 'federation-rules.yaml'), stringify(rule.spec));
  await writeFile(join(dir, 'rules.test.yaml'), await readFile(join(HERE, 'rules.test.yaml'), 'utf8'));
}

async function promtoolRun(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool, args, { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('deploy/components/monitoring/prometheus-rule.yaml', () => {
  it('is a valid Prometheus rule file', async () => {
    await writeRules();
    const result = await promtoolRun(['check', 'rules', 'federation-rules.yaml']);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  it('passes every case of rules.test.yaml', async () => {
    await writeRules();
    const result = await promtoolRun(['test', 'rules', 'rules.test.yaml']);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it('fails the cases when an alert loses its threshold (the cases can fail)', async () => {
    await writeRules((spec) => {
      for (const group of spec.groups) {
        for (const r of group.rules) {
          if (r.alert === 'FederationGateway5xxRatio') r.expr = r.expr.replace('> 0.05', '> 0.001');
        }
      }
    });
    const result = await promtoolRun(['test', 'rules', 'rules.test.yaml']);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/FederationGateway5xxRatio/);
  });

  it('has a case for every alert', async () => {
    const rule = parse(await readFile(join(HERE, 'prometheus-rule.yaml'), 'utf8'));
    const alerts = rule.spec.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((r) => r.alert));
    const cases = parse(await readFile(join(HERE, 'rules.test.yaml'), 'utf8'));
    const tested = new Set(
      cases.tests.flatMap((t: { alert_rule_test: { alertname: string }[] }) =>
        t.alert_rule_test.map((a) => a.alertname),
      ),
    );
    expect(alerts.filter((a: string) => !tested.has(a))).toEqual([]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FederationMetrics } from '../../../controller/platform/metrics/federation-metrics.ts';
import { ControllerMetrics } from '../../../controller/runtime/metrics.ts';
import { createMetrics } from '../../../gateway/metrics.ts';

// Every metric the dashboard and the alerts query is one the code registers: the metric definitions
// (`new Counter({ name: ... })` and friends in files that import prom-client) are read from the source, so a
// renamed or removed metric fails here instead of leaving an empty panel or an alert that never fires.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const SHIPPED = ['controller', 'gateway', 'reconcilers', 'pulumi', 'agent-image/src'];
/** Series Prometheus makes itself for every target. */
const PROMETHEUS_OWN = new Set(['up']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const SUFFIXES: Record<string, string[]> = { Histogram: ['_bucket', '_sum', '_count'], Summary: ['_sum', '_count'] };

/** The series names the shipped code registers, read from its metric definitions. */
async function registeredNames(): Promise<{ names: Set<string>; defaults: boolean; files: string[] }> {
  const names = new Set<string>();
  const files: string[] = [];
  let defaults = false;
  for (const file of SHIPPED.flatMap((d) => sourceFiles(join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes("from 'prom-client'")) continue;
    files.push(relative(ROOT, file));
    if (/collectDefaultMetrics\(/.test(text)) defaults = true;
    for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'([^']+)'/g)) {
      const [, type, name] = m as unknown as [string, string, string];
      names.add(name);
      for (const suffix of SUFFIXES[type] ?? []) names.add(name + suffix);
    }
  }
  if (defaults) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      for (const suffix of SUFFIXES[String(metric.type) === 'histogram' ? 'Histogram' : ''] ?? [])
        names.add(metric.name + suffix);
    }
  }
  return { names, defaults, files };
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (not functions, keywords, labels, strings or durations). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of bare.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)) {
    const rest = bare.slice((m.index ?? 0) + m[0].length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

function queried(): { where: string; name: string }[] {
  const dashboard = JSON.parse(readFileSync(join(HERE, 'federation-dashboard.json'), 'utf8')) as { panels: Panel[] };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const fromDashboard = panels.flatMap((p) =>
    (p.targets ?? []).flatMap((t) => metricNames(t.expr).map((name) => ({ where: `panel "${p.title}"`, name }))),
  );
  const rule = parse(readFileSync(join(HERE, 'prometheus-rule.yaml'), 'utf8'));
  const fromRules = rule.spec.groups.flatMap((g: { rules: { alert: string; expr: string }[] }) =>
    g.rules.flatMap((r) => metricNames(r.expr).map((name) => ({ where: `alert ${r.alert}`, name }))),
  );
  return [...fromDashboard, ...fromRules];
}

describe('metricNames', () => {
  it('finds the selected metrics and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, name) (rate(workqueue_queue_duration_seconds_bucket{name="x"}[$__rate_interval])))',
      ),
    ).toEqual(['workqueue_queue_duration_seconds_bucket']);
    expect(
      metricNames('sum(rate(a_total{status=~"5.."}[5m])) / sum(rate(b_total[5m])) > 1e-3 or vector(0) unless c'),
    ).toEqual(['a_total', 'b_total', 'c']);
    expect(metricNames('min_over_time(max(federation_departments{phase=~"A|B"})[30m:1m]) > 0')).toEqual([
      'federation_departments',
    ]);
  });
});

/** The controller's registry as controller/main.ts fills it: the runtime's metrics and the product's. */
function controllerRegistry(): Registry {
  const { registry } = new ControllerMetrics();
  new FederationMetrics(registry);
  return registry;
}

describe('the dashboard and the alerts', () => {
  it('read the metric definitions the real registries hold (the source scan misses none)', async () => {
    const { names } = await registeredNames();
    const live = [
      ...(await controllerRegistry().getMetricsAsJSON()),
      ...(await createMetrics().registry.getMetricsAsJSON()),
    ].map((m) => m.name);
    expect(live.length).toBeGreaterThan(10);
    expect(live.filter((n) => !names.has(n))).toEqual([]);
  });

  it('query only metrics the controller and the gateway register', async () => {
    const { names } = await registeredNames();
    const used = queried();
    expect(used.length).toBeGreaterThan(20);
    const unknown = used.filter((u) => !names.has(u.name) && !PROMETHEUS_OWN.has(u.name));
    expect(unknown).toEqual([]);
  });

  it('would notice a metric no code registers (the check can fail)', async () => {
    const { names } = await registeredNames();
    expect(names.has('gateway_http_requests_total')).toBe(true);
    expect(metricNames('rate(gateway_http_request_total[5m])').filter((n) => !names.has(n))).toEqual([
      'gateway_http_request_total',
    ]);
  });
});

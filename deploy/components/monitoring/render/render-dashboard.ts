import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { ensurePrometheusServer } from '../../../../e2e/testenv/prometheus-tools.ts';
import { type PanelData, panelSvg } from './panel-chart.ts';
import { driveTraffic } from './traffic.ts';

// Draws deploy/components/monitoring/federation-dashboard.json's panels from real data into dashboard.png: a real
// Prometheus (built from Go modules) scrapes the running local platform (`npm start`) while Departments come
// and go and the gateway gets traffic, then every panel's queries run against it as Grafana would run them.
//
//   npm start                                  # in another terminal, until local.env appears
//   npx tsx deploy/components/monitoring/render/render-dashboard.ts [minutes, default 6]

const HERE = fileURLToPath(new URL('../', import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const SCRAPE_SECONDS = 5;
const RATE_INTERVAL = '30s';
const PANEL = { width: 560, height: 260, gap: 8 };

interface DashboardPanel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string; custom?: { stacking?: { mode?: string } } } };
  targets?: { expr: string; legendFormat?: string }[];
}

function localEnv(): Record<string, string> {
  const file = join(ROOT, '.federation', 'local.env');
  if (!existsSync(file)) throw new Error(`${file} does not exist: start the local platform first (npm start)`);
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function scrapeConfig(env: Record<string, string>): string {
  const controller = new URL(env.CONTROLLER_METRICS_URL as string);
  const gateway = new URL(env.GATEWAY_URL as string);
  const job = (name: string, url: URL, path: string) => [
    `  - job_name: ${name}`,
    `    metrics_path: ${path}`,
    '    static_configs:',
    `      - targets: ['${url.host}']`,
  ];
  return [
    'global:',
    `  scrape_interval: ${SCRAPE_SECONDS}s`,
    'scrape_configs:',
    ...job('federation-controller-metrics', controller, controller.pathname === '/' ? '/metrics' : controller.pathname),
    ...job('federation-gateway', gateway, '/metrics'),
    '',
  ].join('\n');
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} was not ready within ${timeoutMs / 1000} s`);
}

function legend(format: string | undefined, labels: Record<string, string>): string {
  if (!format) return JSON.stringify(labels);
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l: string) => labels[l] ?? '');
}

/** Every step from start to end, null where the series had no sample (a line breaks there, as in Grafana). */
function withGaps(values: [number, string][], start: number, end: number): [number, number | null][] {
  const byTime = new Map(values.map(([t, v]) => [Math.round(t), Number(v)]));
  const points: [number, number | null][] = [];
  for (let t = start; t <= end; t += SCRAPE_SECONDS) {
    const v = byTime.get(t);
    points.push([t, v !== undefined && Number.isFinite(v) ? v : null]);
  }
  return points;
}

async function queryPanel(api: string, p: DashboardPanel, start: number, end: number): Promise<PanelData> {
  const series = [];
  for (const t of p.targets ?? []) {
    const params = new URLSearchParams({
      query: t.expr.replaceAll('$__rate_interval', RATE_INTERVAL),
      start: String(start),
      end: String(end),
      step: String(SCRAPE_SECONDS),
    });
    const body = (await (await fetch(`${api}/api/v1/query_range?${params}`)).json()) as {
      status: string;
      error?: string;
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    if (body.status !== 'success') throw new Error(`panel "${p.title}": ${t.expr}: ${body.error}`);
    for (const r of body.data.result) {
      series.push({
        name: legend(t.legendFormat, r.metric),
        points: withGaps(r.values, start, end),
      });
    }
  }
  return {
    title: p.title,
    unit: p.fieldConfig?.defaults?.unit ?? 'short',
    stacked: p.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal',
    series: series.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

interface Line {
  /** The row heading above this line of panels, on the first line of a row. */
  heading?: string;
  panels: { data: PanelData; x: number; w: number }[];
}

/** Lays the panels out on Grafana's 24-column grid, one line per grid row, and rasterises the page. */
function composePng(lines: Line[]): Buffer {
  const column = (PANEL.width * 3 + PANEL.gap * 2) / 24;
  const pageWidth = Math.round(column * 24) + PANEL.gap * 2;
  const parts: string[] = [];
  let y = PANEL.gap;
  for (const line of lines) {
    if (line.heading) {
      parts.push(
        `<text x="${PANEL.gap}" y="${y + 20}" fill="#ccccdc" font-family="DejaVu Sans" font-size="17" font-weight="bold">${line.heading}</text>`,
      );
      y += 30;
    }
    for (const p of line.panels) {
      const width = Math.round(column * p.w) - PANEL.gap;
      const svg = panelSvg(p.data, width, PANEL.height).replace(
        '<svg ',
        `<svg x="${PANEL.gap + Math.round(column * p.x)}" y="${y}" `,
      );
      parts.push(svg);
    }
    y += PANEL.height + PANEL.gap;
  }
  const page = `<svg xmlns="http://www.w3.org/2000/svg" width="${pageWidth}" height="${y}"><rect width="100%" height="100%" fill="#111217"/>${parts.join('')}</svg>`;
  return new Resvg(page, { font: { defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

async function main(): Promise<void> {
  const minutes = Number(process.argv[2] ?? 6);
  const env = localEnv();
  const prometheus = await ensurePrometheusServer();
  const dir = await mkdtemp(join(tmpdir(), 'federation-prometheus-'));
  const port = 19090 + Math.floor(Math.random() * 500);
  await writeFile(join(dir, 'prometheus.yml'), scrapeConfig(env));
  const server = spawn(
    prometheus,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const api = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${api}/-/ready`, 60_000);
    const start = Math.floor(Date.now() / 1000);
    console.log(`Prometheus ${api} scraping the local platform; driving it for ${minutes} minutes`);
    await driveTraffic(env, minutes * 60_000, (line) => console.log(line));
    await new Promise((r) => setTimeout(r, 2 * SCRAPE_SECONDS * 1000));
    const end = Math.floor(Date.now() / 1000);
    const dashboard = JSON.parse(readFileSync(join(HERE, 'federation-dashboard.json'), 'utf8')) as {
      panels: DashboardPanel[];
    };
    const lines = new Map<number, Line>();
    let heading: string | undefined;
    for (const p of [...dashboard.panels].sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x)) {
      if (p.type === 'row') {
        heading = p.title;
        continue;
      }
      const line = lines.get(p.gridPos.y) ?? { ...(heading ? { heading } : {}), panels: [] };
      heading = undefined;
      lines.set(p.gridPos.y, line);
      line.panels.push({ data: await queryPanel(api, p, start, end), x: p.gridPos.x, w: p.gridPos.w });
    }
    const out = join(HERE, 'dashboard.png');
    await writeFile(out, composePng([...lines.values()]));
    console.log(`wrote ${out}`);
  } catch (err) {
    console.error(log);
    throw err;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

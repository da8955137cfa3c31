import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withBuildLock } from './binaries.ts';
import { buildGoBinary } from './go-build.ts';
import { cacheDir } from './versions.ts';

/**
 * Prometheus from the Go module proxy (module versions v0.3xx.y are Prometheus v3.xx.y): promtool for the alert
 * rules' unit tests (deploy/monitoring), the server for the dashboard picture (deploy/monitoring/render).
 */
export const PROMETHEUS_VERSION = 'v0.316.0';

const MODULE = 'github.com/prometheus/prometheus';

type Tool = 'promtool' | 'prometheus';

export function prometheusToolPath(tool: Tool): string {
  return join(cacheDir(), 'bin', `prometheus-${PROMETHEUS_VERSION}`, tool);
}

/** promtool: PROMTOOL_BIN, then the cache, else built under the shared build lock. */
export function ensurePromtool(): Promise<string> {
  return ensureTool('promtool', process.env.PROMTOOL_BIN);
}

/** The Prometheus server (only the dashboard render uses it; CI does not build it). */
export function ensurePrometheusServer(): Promise<string> {
  return ensureTool('prometheus', process.env.PROMETHEUS_BIN);
}

async function ensureTool(tool: Tool, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${fromEnv} (${tool} from the environment) does not exist`);
    return fromEnv;
  }
  const bin = prometheusToolPath(tool);
  if (!existsSync(bin)) {
    await withBuildLock(async () => {
      if (!existsSync(bin)) await buildTool(tool, bin);
    });
  }
  return bin;
}

async function buildTool(tool: Tool, output: string): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  const version = 'github.com/prometheus/common/version';
  await buildGoBinary({
    label: `${tool} ${PROMETHEUS_VERSION}`,
    // One work directory for both: the second build reuses the first one's module graph.
    workDir: join(cacheDir(), 'build', `prometheus-${PROMETHEUS_VERSION}`),
    goMod: [
      'module federation.local/prometheus',
      '',
      'go 1.26.7',
      '',
      `require ${MODULE} ${PROMETHEUS_VERSION}`,
      '',
    ].join('\n'),
    toolsImport: `${MODULE}/cmd/${tool}`,
    pkg: `${MODULE}/cmd/${tool}`,
    ldflags: `-s -w -X ${version}.Version=${PROMETHEUS_VERSION} -X ${version}.Branch=module-proxy`,
    // Neither the rule tests nor a local scrape need the cloud service discoveries (AWS, Azure, GCE, ...).
    tags: ['remove_all_sd'],
    output,
  });
}

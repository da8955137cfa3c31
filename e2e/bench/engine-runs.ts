// The engine runs of `npm run bench:runtime`, in a process of their own that stands for the controller: its own
// CPU is the controller's code, the Automation API and the inline programs' language host, and nothing of the
// benchmark's harness (API server client of the testbed, the local Railway server) runs in it.
// argv: <kubeconfig path> <department>...; env RUNTIME_TEST_CONFIG: the RuntimeConfig as JSON. Each Department
// exists with its Secrets. Prints one JSON line per engine run: { kind, usage }.
import { KubeConfig } from '@kubernetes/client-node';
import { createRuntimeComponent } from '../../reconcilers/runtime/component.ts';
import type { RuntimeConfig } from '../../reconcilers/runtime/config.ts';
import { collectRuntimeInputs } from '../../reconcilers/runtime/inputs.ts';
import { readPlatformSecret } from '../../reconcilers/runtime/secrets.ts';
import { departmentContext } from '../support/runtime.ts';
import { EngineUsageMeter } from './engine-usage.ts';

export type EngineRunKind = 'create' | 'noop' | 'check' | 'delete';

const [kubeconfigPath, ...names] = process.argv.slice(2) as [string, ...string[]];
const config = JSON.parse(process.env.RUNTIME_TEST_CONFIG ?? '') as RuntimeConfig;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const runtime = createRuntimeComponent({ ...config, concurrency: 1 });
const meter = new EngineUsageMeter();
const recorded = { events: [], logs: [] };

async function measure<T>(kind: EngineRunKind, run: () => Promise<T>): Promise<T> {
  meter.start();
  const value = await run();
  process.stdout.write(`${JSON.stringify({ kind, usage: meter.stop() })}\n`);
  return value;
}

for (const name of names) {
  const ctx = await departmentContext(kubeConfig, name, recorded);
  const secret = await readPlatformSecret(ctx.kube, config.platformSecret);
  const { inputs } = await collectRuntimeInputs(ctx, config, secret);
  // The component's engine runs: a new Department's (converge), a repair's (up with refresh, here with nothing
  // to repair), the periodic full check's (refresh and preview), the Department's deletion.
  await measure('create', () => runtime.stacks.converge(inputs, secret.creds));
  await measure('noop', () => runtime.stacks.up(inputs, secret.creds, { refresh: true }));
  const check = await measure('check', () => runtime.stacks.drift(inputs, secret.creds));
  if (check.value.differences.length) throw new Error(`${name}: ${check.value.differences.join('; ')}`);
  const deleted = await measure('delete', async () =>
    runtime.delete(await departmentContext(kubeConfig, name, recorded)),
  );
  if (deleted.condition.reason !== 'Deleted') throw new Error(`${name}: ${deleted.condition.message}`);
}

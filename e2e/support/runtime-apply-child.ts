// Runs the runtime component's apply for one Department in its own process, so a test can SIGKILL it mid-update.
// argv: <kubeconfig path> <department name>; env RUNTIME_TEST_CONFIG: the RuntimeConfig as JSON.
import { KubeConfig } from '@kubernetes/client-node';
import { createRuntimeComponent } from '../../reconcilers/runtime/component.ts';
import type { RuntimeConfig } from '../../reconcilers/runtime/config.ts';
import { departmentContext } from './runtime.ts';

const [kubeconfigPath, name] = process.argv.slice(2) as [string, string];
const config = JSON.parse(process.env.RUNTIME_TEST_CONFIG ?? '') as RuntimeConfig;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const result = await createRuntimeComponent(config).apply(
  await departmentContext(kubeConfig, name, { events: [], logs: [] }),
);
process.stdout.write(`${JSON.stringify(result.condition)}\n`);

import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface EngineEnvOptions {
  pulumiHome: string;
  /** Directory holding pulumi-resource-pulumi-nodejs (the @pulumi/pulumi package). */
  nodejsProviderDir: string;
  passphrase: string;
  railwayUrl: string;
  railwayToken: string;
}

/**
 * Environment of the pulumi CLI and of the dynamic-provider process it starts: the Railway endpoint and token
 * (never resource inputs), the passphrase, and a tsx loader so the provider process can import our TypeScript.
 */
export function engineEnv(o: EngineEnvOptions): Record<string, string> {
  const require = createRequire(import.meta.url);
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  const nodeModules = join(o.nodejsProviderDir, '..', '..');
  return {
    PULUMI_HOME: o.pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_CONFIG_PASSPHRASE: o.passphrase,
    PATH: [o.nodejsProviderDir, process.env.PATH ?? ''].join(delimiter),
    NODE_PATH: nodeModules,
    NODE_OPTIONS: `--import ${tsxLoader}`,
    RAILWAY_API_URL: o.railwayUrl,
    RAILWAY_TOKEN: o.railwayToken,
  };
}

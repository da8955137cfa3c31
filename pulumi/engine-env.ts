import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OWNER_ENV, ownerToken } from './engine-processes/owner.ts';

export interface EngineEnvOptions {
  pulumiHome: string;
  passphrase: string;
  railwayUrl: string;
  railwayToken: string;
}

/** pulumi/railway/bin: where `pulumi-resource-railway` lives, in a checkout and in dist/ alike. */
export const PLUGIN_DIR = fileURLToPath(new URL('./railway/bin', import.meta.url));
const BUILT_PROVIDER = new URL('./railway/provider/main.js', import.meta.url);

/**
 * Environment of the pulumi CLI and of the provider plugin it starts: the Railway endpoint and token (never
 * resource inputs, so never in state), the passphrase, our plugin directory first on PATH (the engine finds
 * `pulumi-resource-railway` there by name), the node that runs it, and this controller's owner token, by which
 * a later controller's sweep recognises engine processes whose controller is gone. The DIY backend writes no copy
 * of the previous checkpoint under `.pulumi/backups` on each update: nothing reads those copies (recovery works from
 * the checkpoint and the locks), and a stack's removal deletes them.
 */
export function engineEnv(o: EngineEnvOptions): Record<string, string> {
  return {
    PULUMI_HOME: o.pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS: 'true',
    PULUMI_CONFIG_PASSPHRASE: o.passphrase,
    PATH: [PLUGIN_DIR, process.env.PATH ?? ''].join(delimiter),
    FEDERATION_NODE: process.execPath,
    RAILWAY_API_URL: o.railwayUrl,
    RAILWAY_TOKEN: o.railwayToken,
    [OWNER_ENV]: ownerToken(),
    ...developmentLoader(),
  };
}

/** Without a build (a development checkout, the tests) the plugin runs its TypeScript source through tsx. */
function developmentLoader(): Record<string, string> {
  if (existsSync(BUILT_PROVIDER)) return {};
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { NODE_OPTIONS: `--import ${tsx}` };
}

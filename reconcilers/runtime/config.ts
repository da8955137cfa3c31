import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { releasedAgentImage } from './agent-image.ts';

/**
 * Where the pulumi CLI and its plugins live: installed in the image (deploy/), prepared into the cache by the
 * local platform and the tests. The controller never builds or downloads one.
 */
export interface PulumiCliLocation {
  root: string;
  pulumiHome: string;
}

const secretRef = z
  .string()
  .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'expected <namespace>/<name>')
  .transform((v) => {
    const [namespace, name] = v.split('/') as [string, string];
    return { namespace, name };
  });

/** The runtime component's settings, parsed once from the controller's environment. */
export const runtimeEnv = z.object({
  RAILWAY_API_URL: z.url().default('https://backboard.railway.com/graphql/v2'),
  /** Pulumi state; defaults to the platform database (Pulumi's PostgreSQL DIY backend). */
  PULUMI_BACKEND_URL: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  /** Secret with RAILWAY_TOKEN, PULUMI_CONFIG_PASSPHRASE and the voice agent's provider keys. */
  RUNTIME_PLATFORM_SECRET: secretRef.default({ namespace: 'federation-system', name: 'runtime-platform' }),
  /** The agent image of a Department without spec.runtime.image; this release's by default (agent-image.ts). */
  RUNTIME_DEFAULT_IMAGE: z.string().min(1).optional(),
  /** Scratch space for the stacks' workspaces: absolute, writable (an emptyDir under readOnlyRootFilesystem). */
  RUNTIME_WORK_DIR: z.string().min(1).default('/var/lib/federation/pulumi'),
  /** A directory holding bin/pulumi (the image puts the CLI in /opt/pulumi). */
  PULUMI_CLI_ROOT: z.string().min(1).default('/opt/pulumi'),
  /** The engine's home (plugins, credentials); defaults to <RUNTIME_WORK_DIR>/.pulumi. */
  PULUMI_HOME: z.string().min(1).optional(),
  RUNTIME_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /** How often a deployment in progress is looked at again. */
  RUNTIME_POLL_MS: z.coerce.number().int().min(100).default(5_000),
  /**
   * How often each stack also gets a full engine refresh and preview (Crossplane's poll interval, for what two
   * Railway reads cannot see, e.g. the domain); the reconcile-request annotation asks for one at once.
   */
  RUNTIME_FULL_CHECK_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(24 * 3_600_000),
  /**
   * An engine run (update, check, destroy) still going after this long is stopped and retried with backoff; a
   * normal one takes seconds.
   */
  RUNTIME_OPERATION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(15 * 60_000),
  /** `<n8n>/webhook`; the agent gets `<this>/<department>` unless the workflows component says otherwise. */
  N8N_WEBHOOK_BASE_URL: z.string().optional(),
  GATEWAY_URL: z.string().optional(),
});

export interface RuntimeConfig {
  railwayUrl: string;
  backendUrl: string;
  platformSecret: { namespace: string; name: string };
  defaultImage: string;
  workRoot: string;
  concurrency: number;
  pollMs: number;
  /** See RUNTIME_FULL_CHECK_MS. */
  fullCheckMs: number;
  /** See RUNTIME_OPERATION_TIMEOUT_MS. */
  operationTimeoutMs: number;
  n8nWebhookBaseUrl?: string | undefined;
  gatewayUrl?: string | undefined;
  cli: PulumiCliLocation;
}

export function runtimeConfigFromEnv(env: NodeJS.ProcessEnv, cliOverride?: PulumiCliLocation): RuntimeConfig {
  const parsed = runtimeEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `runtime settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  const workRoot = resolve(e.RUNTIME_WORK_DIR);
  const cli = cliOverride ?? installedCli(e.PULUMI_CLI_ROOT, e.PULUMI_HOME ?? join(workRoot, '.pulumi'));
  const backendUrl = e.PULUMI_BACKEND_URL ?? (e.DATABASE_URL && pulumiBackendFor(e.DATABASE_URL));
  if (!backendUrl) throw new Error('set PULUMI_BACKEND_URL (postgres://... or file://...) or DATABASE_URL');
  return {
    railwayUrl: e.RAILWAY_API_URL,
    backendUrl,
    platformSecret: e.RUNTIME_PLATFORM_SECRET,
    defaultImage: e.RUNTIME_DEFAULT_IMAGE ?? releasedAgentImage(),
    workRoot,
    concurrency: e.RUNTIME_CONCURRENCY,
    pollMs: e.RUNTIME_POLL_MS,
    fullCheckMs: e.RUNTIME_FULL_CHECK_MS,
    operationTimeoutMs: e.RUNTIME_OPERATION_TIMEOUT_MS,
    n8nWebhookBaseUrl: e.N8N_WEBHOOK_BASE_URL,
    gatewayUrl: e.GATEWAY_URL,
    cli,
  };
}

function installedCli(root: string, pulumiHome: string): PulumiCliLocation {
  const pulumi = join(resolve(root), 'bin', 'pulumi');
  if (!existsSync(pulumi)) {
    throw new Error(`no pulumi CLI at ${pulumi}: set PULUMI_CLI_ROOT to a directory holding bin/pulumi`);
  }
  return { root: resolve(root), pulumiHome: resolve(pulumiHome) };
}

/**
 * Pulumi's PostgreSQL backend URL for a database URL. Its driver (lib/pq) asks for TLS unless told otherwise,
 * so a loopback server without sslmode gets sslmode=disable.
 */
export function pulumiBackendFor(databaseUrl: string): string {
  const url = new URL(databaseUrl.replace(/^postgresql:/, 'postgres:'));
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (loopback && !url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

import type { ComponentContext } from '../../controller/core/component.ts';
import { readSecretData } from '../../controller/platform/kube/secrets.ts';
import { DATABASE_SECRET, GATEWAY_TOKEN_SECRET as GATEWAY_SECRET } from '../../crds/secrets.ts';
import type { RuntimeInputs } from '../../pulumi/program.ts';
import type { RuntimeConfig } from './config.ts';
import type { PlatformSecret } from './secrets.ts';

export interface CollectedInputs {
  inputs: RuntimeInputs;
  /** Every secret value in the inputs, for redaction. */
  secretValues: string[];
}

/** The stack's inputs from the Department, the department's Secrets and the platform Secret. */
export async function collectRuntimeInputs(
  ctx: ComponentContext,
  config: RuntimeConfig,
  platform: PlatformSecret,
): Promise<CollectedInputs> {
  const { department, namespace } = ctx;
  const name = department.metadata.name;
  const db = await readSecretData(ctx.kube, { namespace, name: DATABASE_SECRET });
  if (!db)
    throw new Error(`Secret ${namespace}/${DATABASE_SECRET} does not exist yet (the database component writes it)`);
  const oauthRef = department.spec.oauth?.secretRef;
  const oauth = oauthRef && (await readSecretData(ctx.kube, oauthRef));
  if (oauthRef && !oauth) throw new Error(`OAuth Secret ${oauthRef.namespace}/${oauthRef.name} does not exist yet`);
  const gateway = await readSecretData(ctx.kube, { namespace, name: GATEWAY_SECRET });
  // The workflows component's output when it ran first; otherwise the same convention: <n8n>/webhook/<department>.
  const webhookBase =
    ctx.dependencies.workflows?.webhookBaseUrl ?? (config.n8nWebhookBaseUrl && `${config.n8nWebhookBaseUrl}/${name}`);

  const secrets: Record<string, string | undefined> = {
    DB_PASSWORD: db.password,
    ...platform.providerKeys,
    GOOGLE_OAUTH_CLIENT_SECRET: oauth?.client_secret,
    GATEWAY_TOKEN: gateway?.token,
  };
  const env: Record<string, string | undefined> = {
    DEPARTMENT_ID: name,
    DB_HOST: db.host,
    DB_PORT: db.port,
    DB_NAME: db.database,
    DB_SCHEMA: db.schema,
    DB_USER: db.user,
    N8N_WEBHOOK_BASE_URL: typeof webhookBase === 'string' ? webhookBase : undefined,
    ENABLED_TOOLS: JSON.stringify(department.spec.enabledTools ?? []),
    GOOGLE_OAUTH_CLIENT_ID: oauth?.client_id,
    GATEWAY_URL: gateway ? (gateway.url ?? config.gatewayUrl) : undefined,
    ...secrets,
  };
  const runtime = department.spec.runtime;
  return {
    inputs: {
      department: name,
      displayName: department.spec.displayName,
      image: runtime?.image ?? config.defaultImage,
      replicas: runtime?.replicas ?? 1,
      region: runtime?.region,
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    },
    secretValues: [...Object.values(secrets), platform.creds.passphrase, platform.creds.railwayToken].filter(
      (v): v is string => typeof v === 'string' && v.length > 0,
    ),
  };
}

/** Inputs for operations that never run the program (destroy, stack removal). */
export function inputsForRemoval(department: string): RuntimeInputs {
  return { department, displayName: department, image: '', replicas: 1, env: {} };
}

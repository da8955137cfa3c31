import { readSecretData } from '../../controller/platform/kube/secrets.ts';
import { AGENT_PORT } from '../../crds/agent.ts';
import type { DepartmentSpec } from '../../crds/department.ts';
import { DATABASE_SECRET, GATEWAY_TOKEN_SECRET as GATEWAY_SECRET, N8N_WEBHOOK_SECRET } from '../../crds/secrets.ts';
import type { RuntimeInputs } from '../../pulumi/inputs.ts';
import type { ComponentContext } from '../component.ts';
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
  // The workflows component's credential for the department's webhooks, once it has written one.
  const webhook = await readSecretData(ctx.kube, { namespace, name: N8N_WEBHOOK_SECRET });
  // The workflows component's output when it ran first; otherwise the same convention: <n8n>/webhook/<department>.
  const webhookBase =
    ctx.dependencies.workflows?.webhookBaseUrl ?? (config.n8nWebhookBaseUrl && `${config.n8nWebhookBaseUrl}/${name}`);

  const secrets: Record<string, string | undefined> = {
    DB_PASSWORD: db.password,
    ...platform.providerKeys,
    GOOGLE_OAUTH_CLIENT_SECRET: oauth?.client_secret,
    GATEWAY_TOKEN: gateway?.token,
    N8N_WEBHOOK_TOKEN: webhook?.token,
  };
  const env: Record<string, string | undefined> = {
    DEPARTMENT_ID: name,
    DEPARTMENT_NAME: department.spec.displayName,
    PORT: String(AGENT_PORT),
    DB_HOST: db.host,
    DB_PORT: db.port,
    DB_NAME: db.database,
    DB_SCHEMA: db.schema,
    DB_USER: db.user,
    N8N_WEBHOOK_BASE_URL: typeof webhookBase === 'string' ? webhookBase : undefined,
    ENABLED_TOOLS: JSON.stringify(department.spec.enabledTools ?? []),
    CUSTOM_SETTINGS: department.spec.customSettings ? JSON.stringify(department.spec.customSettings) : undefined,
    GOOGLE_OAUTH_CLIENT_ID: oauth?.client_id,
    N8N_WEBHOOK_HEADER: webhook?.token ? webhook.header : undefined,
    GATEWAY_URL: gateway ? (gateway.url ?? config.gatewayUrl) : undefined,
    ...modelVariables(department.spec),
    ...platform.providerEndpoints,
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

/**
 * The Department's llm/stt/tts and Google Workspace as the agent's variables. Unset fields stay unset, so the
 * agent's defaults (the spec's documented ones) apply; a value the agent cannot serve fails its start.
 */
export function modelVariables(spec: DepartmentSpec): Record<string, string | undefined> {
  return {
    LLM_PROVIDER: spec.llm?.provider,
    LLM_MODEL: spec.llm?.model,
    LLM_TEMPERATURE: spec.llm?.temperature === undefined ? undefined : String(spec.llm.temperature),
    STT_PROVIDER: spec.stt?.provider,
    STT_MODEL: spec.stt?.model,
    TTS_PROVIDER: spec.tts?.provider,
    TTS_VOICE: spec.tts?.voice,
    GOOGLE_WORKSPACE_DOMAIN: spec.googleWorkspace?.domain,
    GOOGLE_DRIVE_FOLDER_ID: spec.googleWorkspace?.driveFolderId,
  };
}

/** Inputs for operations that never run the program (destroy, stack removal). */
export function inputsForRemoval(department: string): RuntimeInputs {
  return { department, displayName: department, image: '', replicas: 1, env: {} };
}

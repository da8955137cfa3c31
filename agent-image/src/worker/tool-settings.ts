import type { AgentEnv } from '../config/env.ts';
import type { ToolSettings } from '../tools/registry.ts';

/** What the tool registry needs from the environment. */
export function toolSettings(env: AgentEnv): ToolSettings {
  return {
    department: env.DEPARTMENT_ID,
    enabled: env.ENABLED_TOOLS,
    n8n: { baseUrl: env.N8N_WEBHOOK_BASE_URL, header: env.N8N_WEBHOOK_HEADER, token: env.N8N_WEBHOOK_TOKEN },
    gateway: { url: env.GATEWAY_URL, token: env.GATEWAY_TOKEN, tokenFile: env.GATEWAY_TOKEN_FILE },
  };
}

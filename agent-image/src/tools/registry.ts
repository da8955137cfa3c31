import { TOOLS, type Tool } from '../../../crds/department.ts';
import { ConfigError } from '../config/env.ts';
import { GatewayClient } from './cross-department/gateway-client.ts';
import { crossDepartmentTools } from './cross-department/query-tools.ts';
import { TokenSource } from './cross-department/token-source.ts';
import { agentContextTool } from './department/agent-context.ts';
import { databaseTool } from './department/database.ts';
import { emailTool } from './department/email.ts';
import { fileDownloadEmailTool } from './department/file-download-email.ts';
import { googleDriveTool } from './department/google-drive.ts';
import { N8nWebhooks } from './department/n8n-client.ts';
import { vectorStoreTool } from './department/vector-store.ts';
import type { AgentTool } from './tool.ts';

/**
 * One module per department tool (spec.enabledTools); each calls that tool's n8n workflow, except vector_store,
 * which searches through the gateway when there is one.
 */
const DEPARTMENT_TOOLS: Record<Tool, (n8n: N8nWebhooks, gateway?: GatewayClient) => AgentTool> = {
  email: emailTool,
  google_drive: googleDriveTool,
  database: databaseTool,
  vector_store: vectorStoreTool,
  agent_context: agentContextTool,
  file_download_email: fileDownloadEmailTool,
};

export interface ToolSettings {
  department: string;
  enabled: string[];
  n8n?: { baseUrl?: string | undefined; header?: string | undefined; token?: string | undefined };
  gateway?: { url?: string | undefined; token?: string | undefined; tokenFile?: string | undefined };
}

/** The tools this agent offers, or a ConfigError for a name it has no module for (or a tool without its backend). */
export function buildTools(s: ToolSettings): AgentTool[] {
  const unknown = s.enabled.filter((name) => !(TOOLS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `ENABLED_TOOLS names ${unknown.join(', ')}, which this agent image has no tool for (it has ${TOOLS.join(', ')})`,
    );
  }
  const tools: AgentTool[] = [];
  const token = new TokenSource({ file: s.gateway?.tokenFile, token: s.gateway?.token });
  const gateway =
    s.gateway?.url && token.configured
      ? new GatewayClient({ url: s.gateway.url, department: s.department, token })
      : undefined;
  if (s.enabled.length > 0) {
    if (!s.n8n?.baseUrl) throw new ConfigError('ENABLED_TOOLS is not empty but N8N_WEBHOOK_BASE_URL is not set');
    const n8n = new N8nWebhooks({ baseUrl: s.n8n.baseUrl, header: s.n8n.header, token: s.n8n.token });
    for (const name of new Set(s.enabled)) tools.push(DEPARTMENT_TOOLS[name as Tool](n8n, gateway));
  }
  // Cross-department tools: always offered when the gateway is configured; a grant decides what they may do.
  if (gateway) tools.push(...crossDepartmentTools(gateway));
  return tools;
}

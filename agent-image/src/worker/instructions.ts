import type { AgentSettings } from '../../../crds/agent.ts';
import type { AgentEnv } from '../config/env.ts';

/** What the LLM is told about the department: its name, workspace, tools and spec.customSettings. */
export function instructions(env: AgentEnv, settings: AgentSettings): string {
  const name = env.DEPARTMENT_NAME ?? env.DEPARTMENT_ID;
  const custom = settings.customSettings ?? {};
  return [
    `You are the voice assistant of the ${name} department. Answer briefly; you are heard, not read.`,
    ...(env.GOOGLE_WORKSPACE_DOMAIN ? [`The department's Google Workspace is ${env.GOOGLE_WORKSPACE_DOMAIN}.`] : []),
    settings.tools.length
      ? `Use your tools (${settings.tools.join(', ')}) to act or look things up; when a tool says it cannot do something, tell the caller why.`
      : 'You have no tools; answer from the conversation.',
    ...(Object.keys(custom).length > 0
      ? [`The department's administrators set these custom settings (JSON): ${JSON.stringify(custom)}`]
      : []),
  ].join('\n');
}

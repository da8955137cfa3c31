// The n8n the workflows component is built against: its version, the public-API scopes its key needs, and the
// nodes every n8n it drives must refuse. The local platform (e2e/testenv/n8n.ts) and the install
// (deploy/components/n8n, the chart) both take them from here; deploy/manifests.test.ts holds the install to it.

/** 2.x needs Node 22+; this is the newest 1.x line. */
export const N8N_VERSION = '1.123.81';

/** Scopes of the public-API key the workflows component uses. */
export const N8N_API_SCOPES = [
  'workflow:create',
  'workflow:read',
  'workflow:update',
  'workflow:delete',
  'workflow:list',
  'workflow:activate',
  'workflow:deactivate',
  'tag:create',
  'tag:read',
  'tag:list',
  'credential:create',
  'credential:delete',
  // The credentials report of the security audit is the public API's only listing of credentials: it names
  // those no workflow references, which is how the workflows component finds an interrupted create.
  'securityAudit:generate',
];

/**
 * Nodes that run code, shell commands or touch n8n's own files or API: none of the templates uses them, and
 * each would turn anyone who can edit a workflow into a shell on the n8n host or a reader of every department.
 */
export const N8N_EXCLUDED_NODES = [
  'n8n-nodes-base.executeCommand',
  'n8n-nodes-base.code',
  'n8n-nodes-base.function',
  'n8n-nodes-base.functionItem',
  'n8n-nodes-base.ssh',
  'n8n-nodes-base.git',
  'n8n-nodes-base.readWriteFile',
  'n8n-nodes-base.readBinaryFile',
  'n8n-nodes-base.readBinaryFiles',
  'n8n-nodes-base.writeBinaryFile',
  'n8n-nodes-base.localFileTrigger',
  'n8n-nodes-base.executeWorkflow',
  'n8n-nodes-base.executeWorkflowTrigger',
  'n8n-nodes-base.n8n',
  '@n8n/n8n-nodes-langchain.code',
  '@n8n/n8n-nodes-langchain.toolCode',
  '@n8n/n8n-nodes-langchain.toolWorkflow',
  '@n8n/n8n-nodes-langchain.mcpClientTool',
];

/** NODES_EXCLUDE as n8n reads it: a JSON array of node types. */
export const N8N_NODES_EXCLUDE = JSON.stringify(N8N_EXCLUDED_NODES);

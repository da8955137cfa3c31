import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_READY_PATH, type AgentReadiness } from '../../crds/agent.ts';
import { ensureAgentBuild } from '../railway/agent-build.ts';
import { ManagedProcess } from '../testenv/managed-process.ts';
import { freePort } from '../testenv/ports.ts';
import { waitFor } from '../testenv/wait.ts';
import { Watchdog } from '../testenv/watchdog.ts';

/** Test support (not a test): the built agent run as a process, as the image runs it. */
export interface AgentProcess {
  url: string;
  process: ManagedProcess;
  output(): string;
  ready(): Promise<{ status: number; body: AgentReadiness }>;
  stop(): Promise<void>;
}

const watchdog = new Watchdog();
const logDir = mkdtempSync(join(tmpdir(), 'fed-agent-'));
watchdog.removeOnExit(logDir);

export async function startAgentProcess(
  env: Record<string, string>,
  opts: { waitReady?: boolean; name?: string } = {},
): Promise<AgentProcess> {
  const main = await ensureAgentBuild();
  const port = await freePort();
  const name = opts.name ?? `agent-${port}`;
  const process_ = new ManagedProcess(name, process.execPath, [main], join(logDir, `${name}.log`), watchdog, {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    AGENT_IDLE_PROCESSES: '0',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = async () => {
    // The detail is for the bearer of the agent's gateway token, as the controller's probe sends it.
    const headers: Record<string, string> = env.GATEWAY_TOKEN ? { authorization: `Bearer ${env.GATEWAY_TOKEN}` } : {};
    const response = await fetch(`${url}${AGENT_READY_PATH}`, { headers });
    return { status: response.status, body: (await response.json()) as AgentReadiness };
  };
  const agent: AgentProcess = {
    url,
    process: process_,
    output: () => process_.logTail(200),
    ready,
    stop: () => process_.stop(15_000),
  };
  if (opts.waitReady !== false) {
    await waitFor(async () => (await ready()).status === 200, {
      timeoutMs: 90_000,
      intervalMs: 250,
      describe: () => `the agent did not become ready at ${url}:\n${process_.logTail(40)}`,
    });
  }
  return agent;
}

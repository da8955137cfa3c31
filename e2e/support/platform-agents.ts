import { expect } from 'vitest';
import { kubectlOk } from '../testenv/kubectl.ts';
import { processesMentioning } from '../testenv/processes.ts';

/**
 * Test support (not a test): what `npm start` owes for the agents: each example Department's agent
 * runs as a process of the local Railway server, is registered with the local LiveKit server (AgentHealthy
 * True, which /ready's livekit check is part of), and local.env says where LiveKit and its keys are.
 */
export async function expectAgentsRunning(kubeconfig: string, env: Record<string, string>, runDir: string) {
  const reasons = await kubectlOk(kubeconfig, [
    'get',
    'dept',
    '-o',
    'jsonpath={.items[*].status.conditions[?(@.type=="AgentHealthy")].reason}',
  ]);
  expect(reasons.split(' ')).toEqual(['Healthy', 'Healthy', 'Healthy']);
  expect(env.LIVEKIT_URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  expect(env.LIVEKIT_API_KEYS_SECRET).toBe('federation-system/runtime-platform');
  const agents = processesMentioning(runDir).filter((p) =>
    p.cmdline.includes('agent-image/dist/agent-image/src/main.js'),
  );
  expect(agents).toHaveLength(3);
}

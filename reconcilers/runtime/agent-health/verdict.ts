import type { ComponentCondition } from '../../component.ts';
import { HealthReason } from './conditions.ts';
import type { ProbeResult } from './probe.ts';

/** A check the monitor runs beside the agent's own (the seed's oauth_credentials), never a secret in it. */
export interface SideCheck {
  ok: boolean;
  message: string;
}

export interface Observation {
  result: ProbeResult;
  /** The department's OAuth credential check; absent when the department has no Google client to check. */
  oauth?: SideCheck | undefined;
  at: number;
}

/** What the monitor knows about one deployed agent. */
export interface AgentTarget {
  url: string;
  /** The deployment the agent runs as; a new one restarts the startup grace. */
  deploymentId?: string | undefined;
  /** When this deployment was first seen. */
  since: number;
  /** The deployment has answered healthy at least once. */
  everHealthy: boolean;
}

/** A condition and what identifies it for change detection (not volatile details such as error text). */
export interface Verdict {
  condition: ComponentCondition;
  key: string;
}

/**
 * AgentHealthy from the last probe and the OAuth check. The seed's states map as: healthy = True/Healthy;
 * degraded (reachable, a dependency down, or the department's OAuth credential no longer renewed) =
 * False/DependencyDown naming it; down = False/Unreachable. A new deployment is Unknown/Starting until it
 * answers healthy or the startup grace runs out.
 */
export function healthCondition(target: AgentTarget, obs: Observation, startupGraceMs: number): Verdict {
  const { result } = obs;
  const starting = !target.everHealthy && obs.at - target.since < startupGraceMs;
  if (result.kind === 'unreachable') {
    const condition: ComponentCondition = starting
      ? {
          status: 'Unknown',
          reason: HealthReason.Starting,
          message: `waiting for the agent at ${target.url}: ${result.message}`,
        }
      : {
          status: 'False',
          reason: HealthReason.Unreachable,
          message: `agent at ${target.url} unreachable: ${result.message}`,
        };
    return { condition, key: `${condition.status}/${condition.reason}` };
  }
  const { readiness } = result;
  const s = readiness.settings;
  const runs = `${s.agentName}: llm ${s.llm.provider}/${s.llm.model}, stt ${s.stt.provider}/${s.stt.model}, tts ${s.tts.provider}/${s.tts.model}`;
  const verdict = (condition: ComponentCondition, down: string[] = []) => ({
    condition,
    key: `${condition.status}/${condition.reason}/${down.join(',')}/${runs}`,
  });
  if (readiness.status === 'draining') {
    return verdict({ status: 'Unknown', reason: HealthReason.Draining, message: `${runs} is draining` });
  }
  const checks: Record<string, SideCheck> = { ...readiness.checks, ...(obs.oauth ? { oauth: obs.oauth } : {}) };
  const down = Object.keys(checks).filter((d) => !checks[d]?.ok);
  if (down.length === 0 && result.httpStatus === 200) {
    return verdict({
      status: 'True',
      reason: HealthReason.Healthy,
      message: `${runs}; ${Object.keys(checks).join(', ')} ok`,
    });
  }
  const detail = down.map((d) => `${d}: ${checks[d]?.message}`).join('; ');
  return verdict(
    starting
      ? { status: 'Unknown', reason: HealthReason.Starting, message: `${runs} is starting (${detail})` }
      : {
          status: 'False',
          reason: HealthReason.DependencyDown,
          message: `${runs} reports ${down.join(', ')} down (${detail})`,
        },
    down,
  );
}

import { readSecretData } from '../../../controller/platform/kube/secrets.ts';
import { getCondition } from '../../../controller/runtime/conditions.ts';
import { GATEWAY_TOKEN_SECRET } from '../../../crds/secrets.ts';
import type { Component, ComponentResult } from '../../component.ts';
import { AGENT_HEALTHY, HealthReason } from './conditions.ts';
import type { AgentHealthConfig } from './config.ts';
import { AgentHealthMonitor, type MonitorOptions } from './monitor.ts';

export interface AgentHealthComponent extends Component {
  monitor: AgentHealthMonitor;
}

/**
 * The `agent-health` part of the runtime: condition AgentHealthy from the deployed agent's /ready, so the
 * Department's Ready reflects whether its agent actually serves. The monitor probes on its own timer (while
 * this replica leads) and requests a reconcile only when the verdict changes; each change is an Event.
 */
export function createAgentHealthComponent(
  config: AgentHealthConfig & Pick<MonitorOptions, 'oauth'>,
  probe?: MonitorOptions['probe'],
): AgentHealthComponent {
  const monitor = new AgentHealthMonitor({ ...config, ...(probe ? { probe } : {}) });
  return {
    name: 'agent-health',
    conditionType: AGENT_HEALTHY,
    dependsOn: ['runtime'],
    monitor,
    watch: (enqueue) => monitor.start(enqueue),

    async apply(ctx): Promise<ComponentResult> {
      const name = ctx.department.metadata.name;
      const runtime = ctx.dependencies.runtime ?? {};
      const url = typeof runtime.deploymentUrl === 'string' ? runtime.deploymentUrl : undefined;
      if (!url) {
        monitor.unwatch(name);
        return {
          condition: {
            status: 'Unknown',
            reason: HealthReason.NotDeployed,
            message: 'the agent has no deployment yet',
          },
        };
      }
      const token = (await readSecretData(ctx.kube, { namespace: ctx.namespace, name: GATEWAY_TOKEN_SECRET }))?.token;
      monitor.watch(name, url, typeof runtime.deploymentId === 'string' ? runtime.deploymentId : undefined, token);
      // A probe younger than a fifth of the interval is fresh enough: the monitor just asked for this reconcile.
      const verdict = await monitor.verdict(name, config.intervalMs / 5);
      if (!verdict) throw new Error(`agent of ${name} is not watched`);
      monitor.reported(name, verdict);
      const { condition } = verdict;
      const before = getCondition(ctx.department.status?.conditions, AGENT_HEALTHY);
      if (before?.status !== condition.status || before?.reason !== condition.reason) {
        await ctx.events.event(condition.status === 'True' ? 'Normal' : 'Warning', condition.reason, condition.message);
      }
      return { condition };
    },

    async delete(ctx) {
      monitor.unwatch(ctx.department.metadata.name);
      return { condition: { status: 'False', reason: 'Deleted', message: 'no agent to watch' } };
    },
  };
}

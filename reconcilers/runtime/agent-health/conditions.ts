/** The condition the agent health monitor reports, and its reasons. */
export const AGENT_HEALTHY = 'AgentHealthy';

export const HealthReason = {
  /** /ready answered 200: database, gateway and LiveKit registration all ok (the seed's "healthy"). */
  Healthy: 'Healthy',
  /** The agent answers but a dependency it needs is down (the seed's "degraded"); the message names it. */
  DependencyDown: 'DependencyDown',
  /** No answer from the agent's domain (the seed's "down"). */
  Unreachable: 'Unreachable',
  /** A new deployment that has not answered yet, within the startup grace. */
  Starting: 'Starting',
  /** The agent is draining for a shutdown or replacement. */
  Draining: 'Draining',
  /** The runtime has no deployment URL for the agent yet. */
  NotDeployed: 'NotDeployed',
} as const;

export { type AgentHealthComponent, createAgentHealthComponent } from './agent-health/component.ts';
export { AGENT_HEALTHY, HealthReason } from './agent-health/conditions.ts';
export { type AgentHealthConfig, agentHealthConfigFromEnv } from './agent-health/config.ts';
export { Reason, RUNTIME_DRIFTED, RUNTIME_READY } from './conditions.ts';
export { type PulumiCliLocation, type RuntimeConfig, runtimeConfigFromEnv } from './config.ts';
export { runtimeComponentFromEnv } from './from-env.ts';
export type { EngineRunObserver } from './operations.ts';
export { createRuntimeComponent, type RuntimeComponent } from './runtime-component.ts';

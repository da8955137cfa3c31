import type { ComponentResult } from '../../controller/core/component.ts';
import type { RuntimeConfig } from './config.ts';
import { collectRuntimeInputs } from './inputs.ts';
import type { RuntimeComponent } from './runtime-component.ts';
import { readPlatformSecret } from './secrets.ts';

interface Settled {
  digest: string;
  at: number;
  result: ComponentResult;
}

/**
 * Skips the Pulumi refresh and preview for a Department whose inputs are unchanged and whose stack settled
 * (RuntimeReady True, nothing in progress) less than `recheckMs` ago, answering with that result. Reconciles
 * then cost two Secret reads instead of two engine runs, so something else that requested one (the agent
 * health monitor) gets its status written at once. Changed inputs always go to the stack.
 */
export function withSteadyState(runtime: RuntimeComponent, config: RuntimeConfig, recheckMs: number): RuntimeComponent {
  if (recheckMs <= 0) return runtime;
  const settled = new Map<string, Settled>();
  return {
    ...runtime,
    async apply(ctx) {
      const name = ctx.department.metadata.name;
      const platform = await readPlatformSecret(ctx.kube, config.platformSecret);
      const { inputs } = await collectRuntimeInputs(ctx, config, platform);
      const digest = runtime.stacks.digest(inputs, platform.creds);
      const last = settled.get(name);
      if (last && last.digest === digest && Date.now() - last.at < recheckMs) return last.result;
      const result = await runtime.apply(ctx);
      if (result.condition.status === 'True' && result.requeueAfterMs === undefined) {
        settled.set(name, { digest, at: Date.now(), result });
      } else {
        settled.delete(name);
      }
      return result;
    },
    async delete(ctx) {
      settled.delete(ctx.department.metadata.name);
      return runtime.delete(ctx);
    },
  };
}

import type { dynamic } from '@pulumi/pulumi';
import type { ProviderKind } from './providers/index.ts';

/** Where the dynamic-provider process finds the implementations (loaded through tsx, see engine-env.ts). */
const implUrl = new URL('./providers/index.ts', import.meta.url).href;

const METHODS = ['create', 'read', 'diff', 'update', 'delete'] as const;

/**
 * The provider object Pulumi serializes into state. Each method is built with `new Function`, so it captures
 * nothing (no module scope, no bundler or test-runner helpers) and its text is exactly the dynamic import of
 * the real implementation, which the dynamic-provider process loads when the engine calls it.
 */
export function providerShim(kind: ProviderKind): dynamic.ResourceProvider {
  const target = `m.providers[${JSON.stringify(kind)}]`;
  return Object.fromEntries(
    METHODS.map((name) => [
      name,
      new Function('...args', `return import(${JSON.stringify(implUrl)}).then((m) => ${target}.${name}(...args));`),
    ]),
  ) as unknown as dynamic.ResourceProvider;
}

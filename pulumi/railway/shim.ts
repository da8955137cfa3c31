import type { dynamic } from '@pulumi/pulumi';
import type { ProviderKind } from './providers/index.ts';

/** Where the dynamic-provider process finds the implementations (loaded through tsx, see engine-env.ts). */
const implUrl = new URL('./providers/index.ts', import.meta.url).href;

/**
 * The provider object Pulumi serializes into state. It captures only a URL and a kind and imports the real
 * implementation when the engine calls it, so the serialized closure stays tiny and free of module state.
 */
export function providerShim(kind: ProviderKind): dynamic.ResourceProvider {
  const load = async () => {
    const m = await import(implUrl);
    return m.providers[kind] as Required<dynamic.ResourceProvider>;
  };
  return {
    create: async (inputs) => (await load()).create(inputs),
    read: async (id, props) => (await load()).read(id, props),
    diff: async (id, olds, news) => (await load()).diff(id, olds, news),
    update: async (id, olds, news) => (await load()).update(id, olds, news),
    delete: async (id, props) => (await load()).delete(id, props),
  };
}

import type { provider as pulumiProvider } from '@pulumi/pulumi';
import { RESOURCE_TYPES } from '../types.ts';
import { domainHandler } from './domain.ts';
import type { ResourceHandler } from './handler.ts';
import { projectHandler } from './project.ts';
import { serviceHandler } from './service.ts';

export const PROVIDER_VERSION = '0.1.0';

// biome-ignore lint/suspicious/noExplicitAny: the handlers are typed per resource; the engine speaks untyped values
const HANDLERS: Record<string, ResourceHandler<any, any>> = {
  [RESOURCE_TYPES.Project]: projectHandler,
  [RESOURCE_TYPES.Service]: serviceHandler,
  [RESOURCE_TYPES.Domain]: domainHandler,
};

// The engine marks secret values with these keys (Pulumi's RPC encoding, sdk/nodejs/runtime/rpc.ts).
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Values with the engine's secret wrappers removed: the handlers talk to Railway with plain values. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function typeOf(urn: string): string {
  // urn:pulumi:<stack>::<project>::<qualified type>::<name>; the last type segment is the resource's own.
  const qualified = urn.split('::')[2] ?? '';
  return qualified.split('$').at(-1) ?? '';
}

function handlerFor(urn: string) {
  const handler = HANDLERS[typeOf(urn)];
  if (!handler) throw new Error(`the railway provider has no resource type ${typeOf(urn)}`);
  return handler;
}

/** Railway's projects, services and domains as a Pulumi resource provider (started by the engine as a plugin). */
export const railwayProvider: pulumiProvider.Provider = {
  version: PROVIDER_VERSION,
  async check(_urn, _olds, news) {
    return { inputs: news };
  },
  async diff(id, urn, olds, news) {
    return handlerFor(urn).diff(id, unwrapSecrets(olds), unwrapSecrets(news));
  },
  async create(urn, inputs) {
    return handlerFor(urn).create(unwrapSecrets(inputs));
  },
  async read(id, urn, props) {
    return handlerFor(urn).read(id, unwrapSecrets(props));
  },
  async update(id, urn, olds, news) {
    const handler = handlerFor(urn);
    if (!handler.update) throw new Error(`${typeOf(urn)} is replaced, never updated`);
    return handler.update(id, unwrapSecrets(olds), unwrapSecrets(news));
  },
  async delete(id, urn, props) {
    await handlerFor(urn).delete(id, unwrapSecrets(props));
  },
};

import { RailwayApi } from '../api.ts';
import { RailwayClient } from '../client.ts';

let api: RailwayApi | undefined;

/**
 * The API for code running inside the provider plugin process. Endpoint and token come from the engine's
 * environment (RAILWAY_API_URL, RAILWAY_TOKEN), so the token is never a resource input nor in state.
 */
export function railwayFromEnv(): RailwayApi {
  if (!api) {
    const url = process.env.RAILWAY_API_URL;
    const token = process.env.RAILWAY_TOKEN;
    if (!url || !token) throw new Error('RAILWAY_API_URL and RAILWAY_TOKEN must be set for the Railway provider');
    api = new RailwayApi(new RailwayClient({ url, token }));
  }
  return api;
}

/** Names of the input properties whose old and new values differ. */
export function changedKeys<T extends object>(olds: T, news: T, keys: (keyof T)[]): string[] {
  return keys.filter((k) => canonical(olds[k]) !== canonical(news[k])).map(String);
}

function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** What `read` answers for a resource Railway no longer has: an empty id tells the engine it is gone. */
export function gone<T>(): { id: string; props?: T } {
  return { id: '' };
}

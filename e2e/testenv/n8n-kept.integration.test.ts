import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startN8n } from './n8n.ts';
import { dropN8nDatabase } from './n8n-database.ts';
import { freePort } from './ports.ts';

/** What `npm start` keeps of n8n between runs, read as the next run does. */
interface Identity {
  apiKey: string;
  password: string;
}

const LABEL = 'federation-controller';

async function ownerCookie(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/rest/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ emailOrLdapLoginId: 'owner@federation.local', password }),
  });
  expect(res.status).toBe(200);
  return (res.headers.getSetCookie() ?? [])
    .map((c) => c.split(';')[0])
    .filter((c) => c?.startsWith('n8n-auth='))
    .join('; ');
}

async function keysLabelled(url: string, cookie: string): Promise<{ id: string; label: string }[]> {
  const res = await fetch(`${url}/rest/api-keys`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as { data: { id: string; label: string }[] };
  return data.filter((k) => k.label === LABEL);
}

async function status(url: string, apiKey: string): Promise<number> {
  return (await fetch(`${url}/api/v1/workflows?limit=1`, { headers: { 'X-N8N-API-KEY': apiKey } })).status;
}

/**
 * A kept n8n (npm start's persist mode) whose kept API key it no longer accepts gets a new key on the next start,
 * instead of failing the start: the owner's refused key is removed (n8n allows one key per label).
 */
describe('startN8n with kept state', () => {
  let dir: string;
  let port: number;
  let database: { name: string; user: string } | undefined;
  const identity = async () => JSON.parse(await readFile(join(dir, 'identity.json'), 'utf8')) as Identity;
  const start = async () => {
    const n8n = await startN8n({ databaseUrl: inject('databaseUrl'), persist: { dir, port }, log: () => {} });
    database = n8n.database;
    return n8n;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'federation-n8n-kept-'));
    port = await freePort();
  });

  afterAll(async () => {
    // Kept state outlives a stop by design; the test's own database goes with the test.
    if (database) await dropN8nDatabase(inject('databaseUrl'), database);
    await rm(dir, { recursive: true, force: true });
  });

  it('does keep its API key across a restart while n8n accepts it', async () => {
    const first = await start();
    const key = first.apiKey;
    await first.stop();
    const second = await start();
    try {
      expect(second.apiKey).toBe(key);
      expect(await status(second.url, key)).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('does replace a kept API key that n8n refuses, leaving one key under its label', async () => {
    const kept = await identity();
    // n8n still has the owner's key under the label; the kept copy no longer matches it (edited, or restored
    // from an older backup): n8n answers 401 to it.
    await writeFile(join(dir, 'identity.json'), JSON.stringify({ ...kept, apiKey: `${kept.apiKey}x` }), {
      mode: 0o600,
    });
    const n8n = await start();
    try {
      expect(n8n.apiKey).not.toBe(kept.apiKey);
      expect(await status(n8n.url, n8n.apiKey)).toBe(200);
      expect(await status(n8n.url, kept.apiKey)).toBe(401);
      expect((await identity()).apiKey).toBe(n8n.apiKey);
      expect(await keysLabelled(n8n.url, await ownerCookie(n8n.url, kept.password))).toHaveLength(1);
    } finally {
      await n8n.stop();
    }
  });

  it('does replace a kept API key revoked in n8n', async () => {
    const first = await start();
    const revoked = first.apiKey;
    try {
      const cookie = await ownerCookie(first.url, (await identity()).password);
      for (const key of await keysLabelled(first.url, cookie)) {
        const res = await fetch(`${first.url}/rest/api-keys/${key.id}`, { method: 'DELETE', headers: { cookie } });
        expect(res.status).toBe(200);
      }
      expect(await status(first.url, revoked)).toBe(401);
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      expect(second.apiKey).not.toBe(revoked);
      expect(await status(second.url, second.apiKey)).toBe(200);
      expect((await identity()).apiKey).toBe(second.apiKey);
    } finally {
      await second.stop();
    }
  });
});

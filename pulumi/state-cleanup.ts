import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** LIKE pattern text for a literal value. */
function literal(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function quotedTable(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/**
 * Removes what `pulumi stack rm` leaves of a stack in a DIY backend: the `<stack>.json.bak` checkpoint and the
 * backups, history and locks kept under the stack's name. Run after the stack was removed; returns how many
 * entries went. PostgreSQL backend: rows of its state table (`?table=`, default pulumi_state), keyed
 * `<bucket>/.pulumi/...`; file backend: the files. Other backends keep nothing of ours to remove.
 */
export async function removeStackLeftovers(backendUrl: string, project: string, stack: string): Promise<number> {
  if (/^postgres(ql)?:/.test(backendUrl)) return removeRows(backendUrl, project, stack);
  if (backendUrl.startsWith('file://')) return removeFiles(fileURLToPath(backendUrl), project, stack);
  return 0;
}

async function removeRows(backendUrl: string, project: string, stack: string): Promise<number> {
  const url = new URL(backendUrl);
  const table = url.searchParams.get('table') ?? 'pulumi_state';
  url.searchParams.delete('table');
  const p = literal(project);
  const s = literal(stack);
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => {}); // a failed connection fails the query below, which is what reports it
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `DELETE FROM ${quotedTable(table)}
        WHERE key LIKE $1 OR key LIKE $2 OR key LIKE $3 OR key LIKE $4`,
      [
        `%.pulumi/stacks/${p}/${s}.json%`,
        `%.pulumi/backups/${p}/${s}/%`,
        `%.pulumi/history/${p}/${s}/%`,
        `%.pulumi/locks/${p}/${s}/%`,
      ],
    );
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}

async function removeFiles(dir: string, project: string, stack: string): Promise<number> {
  const root = join(dir, '.pulumi');
  const paths = [
    join(root, 'stacks', project, `${stack}.json.bak`),
    join(root, 'stacks', project, `${stack}.json.gz.bak`),
    join(root, 'backups', project, stack),
    join(root, 'history', project, stack),
    join(root, 'locks', project, stack),
  ];
  const present = paths.filter((path) => existsSync(path));
  for (const path of present) await rm(path, { recursive: true, force: true });
  return present.length;
}

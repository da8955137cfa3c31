import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The guard that ties an engine process to its parent (see guard.mjs). */
export const GUARD = fileURLToPath(new URL('./guard.mjs', import.meta.url));

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Writes `<dir>/bin/pulumi`, a private install root for the Automation API (`PulumiCommand.get({ root: dir })`):
 * it runs the real CLI of `cliRoot` under the guard, in its own process group that dies with this controller,
 * SIGKILL included. The real bin directory stays on PATH first, as the Automation API would have put it.
 * Written to a temporary name and renamed, so controllers sharing a work directory never see half a file.
 */
export async function guardedCliRoot(cliRoot: string, dir: string): Promise<string> {
  const realBin = join(cliRoot, 'bin');
  const script = [
    '#!/bin/sh',
    '# Written by the Federation controller (pulumi/engine-processes/private-cli.ts): the real pulumi CLI, run',
    '# by a guard that ends it (and its process group) when the controller that started it dies.',
    `PATH=${shellQuote(realBin)}:"$PATH"`,
    'export PATH',
    `exec ${[process.execPath, GUARD, join(realBin, 'pulumi')].map(shellQuote).join(' ')} "$@"`,
    '',
  ].join('\n');
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const temporary = join(bin, `.pulumi-${process.pid}`);
  await writeFile(temporary, script, { mode: 0o755 });
  await chmod(temporary, 0o755);
  await rename(temporary, join(bin, 'pulumi'));
  return dir;
}

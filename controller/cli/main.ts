// `npx federation <command>`: the operator's command line (controller/bin/federation.mjs runs it).
import { pathToFileURL } from 'node:url';
import { AUDIT_USAGE, audit } from './audit.ts';
import { DB_USAGE, db } from './db.ts';
import { TOKEN_USAGE, tokenCommand } from './token.ts';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { token: tokenCommand, db, audit };
const USAGE = `usage: federation <command>\n\n${TOKEN_USAGE}\n\n${DB_USAGE}\n\n${AUDIT_USAGE}`;

/** Runs one command; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : COMMANDS[command];
  if (!run) {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' ? 0 : 2;
  }
  try {
    return await run(rest);
  } catch (err) {
    process.stderr.write(`federation ${command}: ${(err as Error).message}\n`);
    return 1;
  }
}

// Run directly (`node dist/controller/cli/main.js token ...` in the image), not only through bin/federation.mjs.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}

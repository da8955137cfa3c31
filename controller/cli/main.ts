// `federation <command>` (controller/bin/federation.mjs) and `kubectl federation <command>`
// (controller/bin/kubectl-federation): the operator's command line. Exit codes: 0 done (help and --version
// included), 1 the work failed, 2 the command was called wrongly.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './audit.ts';
import { registerDb } from './db.ts';
import { UsageError } from './program.ts';
import { registerToken } from './token.ts';

/** The version in the package.json above this file (the checkout's, or the installed package's). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'federation' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

export function buildProgram(name: string, setExitCode: (code: number) => void): Command {
  const program = new Command(name)
    .description('Federation: the operator of per-department AI voice-assistant tenants')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this usage')
    .helpCommand(false)
    .exitOverride();
  registerToken(program, setExitCode);
  registerDb(program, setExitCode);
  registerAudit(program, setExitCode);
  for (const command of allCommands(program)) {
    command.showHelpAfterError(`(run '${commandPath(command)} --help' for usage)`);
  }
  return program;
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** `federation db status`, as a user types it. */
function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[], name = 'federation'): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(name, (code) => {
    exitCode = code;
  });
  let running = name;
  program.hook('preAction', (_program, action) => {
    running = commandPath(action);
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    // Commander has printed its message (or the help) already: 0 for help and --version, 2 for a usage mistake.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) {
      process.stderr.write(`${running}: ${message}\n(run '${running} --help' for usage)\n`);
      return 2;
    }
    process.stderr.write(`${running}: ${message}\n`);
    return 1;
  }
}

// Run directly (`node dist/controller/cli/main.js token ...` in the image), not only through controller/bin.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}

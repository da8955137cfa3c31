import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

let stdout = '';
let stderr = '';

/** Runs the command line in this process, capturing what it writes. */
async function federation(...argv: string[]) {
  stdout = '';
  stderr = '';
  const code = await main(argv);
  return { code, stdout, stderr };
}

const SUBCOMMANDS = [
  ['token'],
  ['db'],
  ['db', 'migrate'],
  ['db', 'status'],
  ['db', 'preview'],
  ['db', 'rollback'],
  ['db', 'retention'],
  ['audit'],
  ['audit', 'verify'],
];
/** The commands that print data, each with the arguments it needs besides -o. */
const PRINTING: string[][] = [
  ['token', '--department', 'hr'],
  ['db', 'migrate'],
  ['db', 'status'],
  ['db', 'rollback', '--department', 'hr', '--to', '1'],
  ['db', 'retention'],
  ['audit', 'verify'],
];

describe('federation (the command line)', () => {
  const env = { ...process.env };
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    vi.spyOn(console, 'log').mockImplementation((...args) => {
      stdout += `${args.join(' ')}\n`;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...env };
  });

  it.each([['--help'], ['-h']])('does print its usage, naming every command, on %s and exit 0', async (flag) => {
    const run = await federation(flag);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: federation \[options\] \[command\]/);
    for (const command of ['token', 'db', 'audit']) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it.each(
    SUBCOMMANDS.flatMap((c) => [
      [...c, '--help'],
      [...c, '-h'],
    ]),
  )('does print usage for `federation %s %s %s` and exit 0', async (...argv) => {
    const run = await federation(...argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: federation ${argv.slice(0, -1).join(' ')} [options]`);
    expect(run.stderr).toBe('');
  });

  it("does print the package's version on --version and -V", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const run = await federation(flag);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it.each([
    [[], /^Usage: federation/],
    [['mint'], /unknown command 'mint'/],
    [['db'], /^Usage: federation db/],
    [['db', 'vacuum'], /unknown command 'vacuum'/],
    [['audit'], /^Usage: federation audit/],
    [['token'], /required option '--department <name>' not specified/],
    [['token', '--department', 'Not A Name'], /--department <name>.*DNS label/],
    [['token', '--department', 'hr', '--role', 'root'], /--role <role>.*Allowed choices are agent, admin/],
    [['token', '--department', 'hr', '--lifetime', '8d'], /between 1s and 7d/],
    [['token', '--department', 'hr', '--lifetime', 'soon'], /not a duration/],
    [['token', '--department', 'hr', '--colour'], /unknown option '--colour'/],
    [['token', '--department', 'hr', '-o', 'yaml'], /Allowed choices are text, json/],
    [['db', 'migrate', '--concurrency', '0'], /--concurrency <n>.*whole number >= 1/],
    [['db', 'preview'], /required option '--department <name>'/],
    [['db', 'rollback', '--department', 'hr'], /required option '--to <version>'/],
    [['db', 'status', 'extra'], /too many arguments/],
  ])('does refuse %j as a usage error: exit 2, the reason on stderr, nothing on stdout', async (argv, reason) => {
    const run = await federation(...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stdout).toBe('');
  });

  it('does treat a database command without DATABASE_URL as a usage error', async () => {
    delete process.env.DATABASE_URL;
    const run = await federation('db', 'status');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('federation db status: DATABASE_URL must be set');
    expect(run.stderr).toContain("run 'federation db status --help'");
  });

  it.each(PRINTING.map((argv) => ({ line: argv.join(' '), argv })))(
    'does offer -o json on `federation $line`',
    async ({ argv }) => {
      const run = await federation(...argv, '--help');
      expect(run.stdout).toMatch(/-o, --output <format>.*\(choices:\s+"text",\s+"json"/s);
    },
  );

  it('does exit 1 when the work fails (the database is unreachable), naming the command', async () => {
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/nothing';
    for (const argv of [
      ['db', 'status'],
      ['db', 'migrate'],
      ['audit', 'verify', '--no-digests'],
    ]) {
      const run = await federation(...argv);
      expect(run.code, argv.join(' ')).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^federation ${argv.slice(0, 2).join(' ')}: .*ECONNREFUSED`));
    }
  });
});

describe('controller/bin', () => {
  it.each([
    ['federation.mjs', 'federation'],
    ['kubectl-federation', 'kubectl federation'],
  ])('does run the command line from %s as `%s`, with its exit codes', (file, name) => {
    const bin = new URL(`../bin/${file}`, import.meta.url).pathname;
    const help = spawnSync(bin, ['db', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(`Usage: ${name} db [options] [command]`);
    const wrong = spawnSync(bin, ['nope'], { encoding: 'utf8' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(`run '${name} --help' for usage`);
  });
});

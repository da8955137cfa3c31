import { type Command, InvalidArgumentError, Option } from 'commander';
import { departmentName } from '../../crds/common.ts';

/** A mistake in how a command was called (a missing setting, a value out of range): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type OutputFormat = 'text' | 'json';

/** `-o, --output text|json` for a command that prints data. */
export function withOutput(command: Command): Command {
  return command.addOption(
    new Option('-o, --output <format>', 'how to print the result').choices(['text', 'json']).default('text'),
  );
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** An option value that must be a Department name. */
export function departmentArgument(value: string): string {
  const parsed = departmentName.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(
      'department name must be a DNS label of at most 40 characters starting with a letter',
    );
  }
  return parsed.data;
}

/** An option value that must be a whole number of at least `min`. */
export function integerArgument(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`must be a whole number >= ${min}`);
    return n;
  };
}

/** DATABASE_URL, which every database command needs. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL must be set (the platform database)');
  return url;
}

// What a department's stack is built from, and its digest: no Pulumi SDK here, so that a controller whose stacks
// are up to date compares digests without loading it (program.ts and the SDK load at the first engine run).
import { createHmac } from 'node:crypto';

/** Everything the stack of one department is built from. */
export interface RuntimeInputs {
  department: string;
  displayName: string;
  image: string;
  replicas: number;
  region?: string | undefined;
  /** Environment of the voice agent; every value is stored as a Pulumi secret. */
  env: Record<string, string>;
}

/**
 * A keyed digest of the inputs, kept as a stack output so a resync can tell "inputs changed" (up) from
 * "nothing changed" (refresh and preview). Keyed with the state passphrase, so it reveals nothing of the secrets.
 */
export function digestInputs(inputs: RuntimeInputs, key: string): string {
  const sorted = {
    ...inputs,
    env: Object.fromEntries(Object.entries(inputs.env).sort(([a], [b]) => a.localeCompare(b))),
  };
  return createHmac('sha256', key).update(JSON.stringify(sorted)).digest('hex');
}

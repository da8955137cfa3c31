import type { z } from 'zod';
import { fail } from '../middleware/problem/index.ts';

/** Parses external input once, at the edge; a refusal names the first offending field. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : 'body';
  fail(400, `Invalid request: ${path}: ${issue?.message ?? 'invalid'}.`);
}

/** The JSON body, or a 400 when it is not JSON (the size limit is enforced before this). */
export async function jsonBody(req: { json(): Promise<unknown>; header(name: string): string | undefined }) {
  if (!req.header('content-type')?.toLowerCase().startsWith('application/json')) {
    fail(415, 'The body must be application/json.');
  }
  try {
    return await req.json();
  } catch {
    fail(400, 'Invalid request: body: malformed JSON.');
  }
}

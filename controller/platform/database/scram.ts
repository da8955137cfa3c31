import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ITERATIONS = 4096;
const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** A password the department role logs in with: 43 URL-safe characters (256 bits). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

export function isGeneratedPassword(value: string): boolean {
  return /^[A-Za-z0-9_-]{32,128}$/.test(value);
}

function keys(password: string, salt: Buffer, iterations: number) {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

/**
 * The SCRAM-SHA-256 verifier Postgres stores for a password. Sending the verifier instead of the password
 * keeps the password out of SQL text, server logs and pg_stat_statements.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const { storedKey, serverKey } = keys(password, salt, ITERATIONS);
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export function isScramVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

/** Whether a stored verifier accepts this password (so an unchanged password is not rewritten). */
export function verifierMatches(verifier: string | null | undefined, password: string): boolean {
  const match = verifier ? VERIFIER.exec(verifier) : null;
  if (!match) return false;
  const [, iterations, salt, stored, server] = match as unknown as [string, string, string, string, string];
  const expected = keys(password, Buffer.from(salt, 'base64'), Number(iterations));
  const storedKey = Buffer.from(stored, 'base64');
  const serverKey = Buffer.from(server, 'base64');
  return (
    storedKey.length === 32 &&
    serverKey.length === 32 &&
    timingSafeEqual(storedKey, expected.storedKey) &&
    timingSafeEqual(serverKey, expected.serverKey)
  );
}

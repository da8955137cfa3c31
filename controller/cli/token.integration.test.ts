import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, kubeConfigFrom, type TestDatabase } from '../../e2e/support/database.ts';
import { ensureNamespace } from '../../e2e/support/gateway.ts';
import { REPO_ROOT } from '../../e2e/testenv/platform.ts';
import { PlatformKeys } from '../../gateway/identity/platform-keys.ts';
import { createVerifier } from '../../gateway/identity/verifier.ts';
import { RestClient } from '../platform/kube/rest-client.ts';
import { KEY_SECRET_NAMESPACE } from '../platform/tokens/constants.ts';
import { SigningKeyStore } from '../platform/tokens/key-store.ts';

function federation(args: string[]) {
  const run = spawnSync(process.execPath, ['controller/bin/federation.mjs', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `kubectl federation ...`: the real kubectl, finding the plugin on PATH. */
function kubectlFederation(args: string[]) {
  const run = spawnSync('kubectl', ['federation', ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KUBECONFIG: inject('kubeconfig'),
      PATH: `${join(REPO_ROOT, 'controller', 'bin')}${delimiter}${process.env.PATH}`,
    },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npx federation token', () => {
  let db: TestDatabase;
  let kube: RestClient;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    kube = new RestClient(kubeConfigFrom(inject('kubeconfig')));
    await ensureNamespace(inject('kubeconfig'), KEY_SECRET_NAMESPACE);
    // What the controller does on its first reconcile: create (or reuse) the signing key and publish it.
    await new SigningKeyStore({ pool: db.pool }).activeKey(kube);
  });

  afterAll(async () => {
    kube?.close();
    await db?.drop([]);
  });

  it('does mint a token the gateway accepts, with the chosen department, role and lifetime', async () => {
    const run = federation(['token', '--department', 'hr', '--role', 'admin', '--lifetime', '15m']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const token = run.stdout.trim();
    const verify = createVerifier({ platformKeys: new PlatformKeys(db.pool).getKey });
    expect(await verify(token)).toMatchObject({ department: 'hr', role: 'admin' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('does print the token with its claims as JSON with -o json', async () => {
    const run = federation(['token', '--department', 'sales', '-o', 'json']);
    expect(run.status).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toMatchObject({ department: 'sales', role: 'agent' });
    expect(Date.parse(printed.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const verify = createVerifier({ platformKeys: new PlatformKeys(db.pool).getKey });
    expect(await verify(printed.token)).toMatchObject({ department: 'sales', role: 'agent' });
  });

  it('does mint through kubectl as a plugin: kubectl federation token', async () => {
    const run = kubectlFederation(['token', '--department', 'hr', '--lifetime', '5m']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const verify = createVerifier({ platformKeys: new PlatformKeys(db.pool).getKey });
    expect(await verify(run.stdout.trim())).toMatchObject({ department: 'hr', role: 'agent' });
    const wrong = kubectlFederation(['token', '--role', 'admin']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("run 'kubectl federation token --help' for usage");
  });

  it.each([
    [['token', '--department', 'Not A Name'], /--department/],
    [['token', '--department', 'hr', '--role', 'root'], /--role/],
    [['token', '--department', 'hr', '--lifetime', '8d'], /between 1s and 7d/],
    [['token', '--department', 'hr', '--lifetime', 'soon'], /not a duration/],
    [['token'], /--department/],
    [['mint'], /unknown command 'mint'/],
  ])('does refuse %j with a clear message and no token', (args, message) => {
    const run = federation(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});

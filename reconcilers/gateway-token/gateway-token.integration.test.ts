import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import { FederationMetrics } from '../../controller/platform/metrics/federation-metrics.ts';
import {
  KEY_SECRET_NAMESPACE,
  PLATFORM_ISSUER,
  TOKEN_SECRET_NAME,
} from '../../controller/platform/tokens/constants.ts';
import { SigningKeyStore } from '../../controller/platform/tokens/key-store.ts';
import { paths } from '../../controller/runtime/kube-api.ts';
import { namespaceFor } from '../../crds/names.ts';
import {
  createNamespace,
  createTestDatabase,
  departmentObject,
  kubeConfigFrom,
  type RecordedEvent,
  randomDepartment,
  type TestDatabase,
  testContext,
} from '../../e2e/support/database.ts';
import { ensureNamespace } from '../../e2e/support/gateway.ts';
import { revocationCheck } from '../../gateway/identity/admission.ts';
import { DepartmentDirectory } from '../../gateway/identity/department-directory.ts';
import { PlatformKeys } from '../../gateway/identity/platform-keys.ts';
import { createVerifier } from '../../gateway/identity/verifier.ts';
import { createGatewayTokenComponent, type GatewayTokenComponentOptions } from './component.ts';

describe('gateway-token component', () => {
  let db: TestDatabase;
  let kube: RestClient;
  const keyNames: string[] = [];

  /** A signing-key store of its own, on a clock the test may move (`clock.ms`). */
  function keyStore(clock = { ms: Date.now() }): SigningKeyStore {
    const name = `gateway-signing-keys-${randomBytes(4).toString('hex')}`;
    keyNames.push(name);
    return new SigningKeyStore({
      pool: db.pool,
      name,
      rotationPeriodSeconds: 3600,
      maxTokenLifetimeSeconds: 86400,
      now: () => new Date(clock.ms),
    });
  }

  /**
   * A Department of its own with its namespace, a component on a clock the test moves (`clock.ms`, starting
   * now), and readers for the department's token Secret.
   */
  async function department(options: Partial<GatewayTokenComponentOptions> = {}) {
    const kc = kubeConfigFrom(inject('kubeconfig'));
    const dept = randomDepartment('tok');
    await createNamespace(kc, dept);
    const clock = { ms: Date.now() };
    const component = createGatewayTokenComponent({
      pool: db.pool,
      keys: keyStore(),
      now: () => new Date(clock.ms),
      ...options,
    });
    const secretPath = `${paths.namespacedSecrets(namespaceFor(dept))}/${TOKEN_SECRET_NAME}`;
    return {
      dept,
      clock,
      component,
      ctx: (events: RecordedEvent[] = []) => testContext(kc, departmentObject(dept), events),
      token: async (): Promise<string> => {
        const s = await kube.get<{ data: { token: string } }>(secretPath);
        return Buffer.from(s.data.token, 'base64').toString();
      },
    };
  }

  function verifier() {
    return createVerifier({
      platformKeys: new PlatformKeys(db.pool).getKey,
      admit: revocationCheck(new DepartmentDirectory({ pool: db.pool }), PLATFORM_ISSUER),
    });
  }

  /** The department's revocation instant in ms, as the gateway reads it. */
  async function revokedBeforeMs(dept: string): Promise<number> {
    const { rows } = await db.pool.query<{ ms: string }>(
      `SELECT (extract(epoch FROM revoked_before) * 1000)::bigint AS ms
         FROM federation.gateway_token_revocations WHERE department_id = $1`,
      [dept],
    );
    return Number(rows[0]?.ms);
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    kube = new RestClient(kubeConfigFrom(inject('kubeconfig')));
    await ensureNamespace(inject('kubeconfig'), KEY_SECRET_NAMESPACE);
  });

  afterAll(async () => {
    for (const name of keyNames)
      await kube?.delete(`${paths.namespacedSecrets(KEY_SECRET_NAMESPACE)}/${name}`).catch(() => {});
    kube?.close();
    await db?.drop([]);
  });

  it('does mint a token the gateway accepts, and leaves a fresh one alone', async () => {
    const { dept, component, ctx, token } = await department();
    const events: RecordedEvent[] = [];
    const result = await component.apply(ctx(events));
    expect(result.condition).toMatchObject({ status: 'True', reason: 'TokenIssued' });
    expect(result.requeueAfterMs).toBeGreaterThan(15 * 3600 * 1000);
    expect(JSON.stringify(result)).not.toMatch(/eyJ/); // the token is in the Secret only
    const minted = await token();
    expect(await verifier()(minted)).toMatchObject({ department: dept, role: 'agent' });
    const again = await component.apply(ctx(events));
    expect(await token()).toBe(minted);
    expect(events.filter((e) => e.reason === 'TokenIssued')).toHaveLength(1);
    // The same condition as when it was minted, so a steady Department's status is not written again.
    expect(again.condition).toEqual(result.condition);
  });

  it('does keep a token until the renewal it asked to be requeued for, and then replace it', async () => {
    const { clock, component, ctx, token } = await department({ tokenLifetimeSeconds: 3600, renewAfterFraction: 0.5 });
    const { requeueAfterMs } = await component.apply(ctx());
    const first = await token();
    expect(requeueAfterMs).toBeGreaterThan(0);
    clock.ms += (requeueAfterMs as number) - 1;
    await component.apply(ctx());
    expect(await token()).toBe(first);
    clock.ms += 1;
    await component.apply(ctx());
    const renewed = await token();
    expect(renewed).not.toBe(first);
    expect(decodeJwt(renewed).iat).toBe(Math.floor(clock.ms / 1000));
  });

  it('does rotate the key and keep tokens of the old key valid until they expire', async () => {
    const keyClock = { ms: Date.now() };
    const keys = keyStore(keyClock);
    const { dept, component, ctx, token } = await department({ keys });
    await component.apply(ctx());
    const oldToken = await token();
    const oldKid = (await keys.activeKey(kube)).kid;
    keyClock.ms += 2 * 3600 * 1000; // past the rotation period
    const newKid = (await keys.activeKey(kube)).kid;
    expect(newKid).not.toBe(oldKid);
    const { rows } = await db.pool.query(
      'SELECT kid FROM federation.gateway_signing_keys WHERE kid = ANY($1) ORDER BY created_at',
      [[oldKid, newKid]],
    );
    expect(rows.map((r) => r.kid)).toEqual([oldKid, newKid]);
    expect(await verifier()(oldToken)).toMatchObject({ department: dept });
  });

  it('does delete and revoke the token on deprovision', async () => {
    const { component, ctx, token } = await department();
    await component.apply(ctx());
    const revoked = await token();
    const result = await component.delete(ctx());
    expect(result.condition).toMatchObject({ status: 'False', reason: 'TokenRevoked' });
    await expect(token()).rejects.toMatchObject({ code: 404 });
    await expect(verifier()(revoked)).rejects.toThrow(/revoked/);
  });

  it('does requeue, not mint, while a token would be refused as issued before the revocation', async () => {
    const { dept, clock, component, ctx, token } = await department();
    await component.apply(ctx());
    await component.delete(ctx());
    // A department re-created under the same name, reconciled while its clock still reads the revocation's second.
    const revokedAt = await revokedBeforeMs(dept);
    clock.ms = revokedAt - 1;
    const waiting = await component.apply(ctx());
    expect(waiting.condition).toMatchObject({ status: 'Unknown', reason: 'RecentlyRevoked' });
    expect(clock.ms + (waiting.requeueAfterMs as number)).toBe(Math.ceil(revokedAt / 1000) * 1000);
    await expect(token()).rejects.toMatchObject({ code: 404 });
    clock.ms += waiting.requeueAfterMs as number;
    const issued = await component.apply(ctx());
    expect(issued.condition).toMatchObject({ status: 'True', reason: 'TokenIssued' });
    expect(await verifier()(await token())).toMatchObject({ department: dept });
  });

  it('does report the expiry of the token in use to the metrics, kept or minted, and drop it on deprovision', async () => {
    const metrics = new FederationMetrics(new Registry());
    const { dept, clock, component, ctx, token } = await department({ onTokenExpiry: metrics.observeGatewayToken });
    const exported = async () =>
      (await metrics.gatewayTokenExpiry.get()).values.filter((v) => v.labels.department === dept).map((v) => v.value);
    await component.apply(ctx()); // mints
    const minted = decodeJwt(await token()).exp;
    expect(await exported()).toEqual([minted]);
    await component.apply(ctx()); // keeps
    expect(await exported()).toEqual([minted]);
    await component.delete(ctx());
    expect(await exported()).toEqual([]);
    clock.ms = Math.ceil((await revokedBeforeMs(dept)) / 1000) * 1000; // the first second a new token is accepted
    await component.apply(ctx()); // mints a new one
    const reissued = decodeJwt(await token()).exp;
    expect(reissued).not.toBe(minted);
    expect(await exported()).toEqual([reissued]);
  });
});

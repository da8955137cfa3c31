import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RestClient } from '../../controller/platform/kube/rest-client.ts';
import {
  KEY_SECRET_NAMESPACE,
  PLATFORM_ISSUER,
  TOKEN_SECRET_NAME,
} from '../../controller/platform/tokens/constants.ts';
import { SigningKeyStore } from '../../controller/platform/tokens/key-store.ts';
import { paths } from '../../controller/runtime/kube-api.ts';
import { ControllerMetrics } from '../../controller/runtime/metrics.ts';
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
import { createGatewayTokenComponent } from './component.ts';

describe('gateway-token component', () => {
  let db: TestDatabase;
  let kube: RestClient;
  const dept = randomDepartment('tok');
  const keyName = `gateway-signing-keys-${randomBytes(4).toString('hex')}`;
  let clock = Date.now();
  let keys: SigningKeyStore;

  async function tokenOf(): Promise<string> {
    const s = await kube.get<{ data: { token: string } }>(
      `${paths.namespacedSecrets(namespaceFor(dept))}/${TOKEN_SECRET_NAME}`,
    );
    return Buffer.from(s.data.token, 'base64').toString();
  }
  function verifier() {
    return createVerifier({
      platformKeys: new PlatformKeys(db.pool).getKey,
      admit: revocationCheck(new DepartmentDirectory({ pool: db.pool }), PLATFORM_ISSUER),
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    const kc = kubeConfigFrom(inject('kubeconfig'));
    kube = new RestClient(kc);
    await ensureNamespace(inject('kubeconfig'), KEY_SECRET_NAMESPACE);
    await createNamespace(kc, dept);
    keys = new SigningKeyStore({
      pool: db.pool,
      name: keyName,
      rotationPeriodSeconds: 3600,
      maxTokenLifetimeSeconds: 86400,
      now: () => new Date(clock),
    });
  });

  afterAll(async () => {
    await kube?.delete(`${paths.namespacedSecrets(KEY_SECRET_NAMESPACE)}/${keyName}`).catch(() => {});
    kube?.close();
    await db?.drop([]);
  });

  const ctx = (events: RecordedEvent[] = []) =>
    testContext(kubeConfigFrom(inject('kubeconfig')), departmentObject(dept), events);

  it('does mint a token the gateway accepts, and leaves a fresh one alone', async () => {
    const component = createGatewayTokenComponent({ pool: db.pool, keys });
    const events: RecordedEvent[] = [];
    const result = await component.apply(ctx(events));
    expect(result.condition).toMatchObject({ status: 'True', reason: 'TokenIssued' });
    expect(result.requeueAfterMs).toBeGreaterThan(15 * 3600 * 1000);
    expect(JSON.stringify(result)).not.toMatch(/eyJ/); // the token is in the Secret only
    const token = await tokenOf();
    expect(await verifier()(token)).toMatchObject({ department: dept, role: 'agent' });
    const again = await component.apply(ctx(events));
    expect(await tokenOf()).toBe(token);
    expect(events.filter((e) => e.reason === 'TokenIssued')).toHaveLength(1);
    // The same condition as when it was minted, so a steady Department's status is not written again.
    expect(again.condition).toEqual(result.condition);
  });

  it('does renew a token once most of its lifetime has passed', async () => {
    const component = createGatewayTokenComponent({
      pool: db.pool,
      keys,
      tokenLifetimeSeconds: 3,
      renewAfterFraction: 0.3,
    });
    // Start from no token, so the first apply mints a 3 s one (the previous test left a 24 h token).
    await kube.delete(`${paths.namespacedSecrets(namespaceFor(dept))}/${TOKEN_SECRET_NAME}`);
    await component.apply(ctx());
    const first = await tokenOf();
    await new Promise((r) => setTimeout(r, 1100));
    await component.apply(ctx());
    expect(await tokenOf()).not.toBe(first);
  });

  it('does rotate the key and keep tokens of the old key valid until they expire', async () => {
    const component = createGatewayTokenComponent({ pool: db.pool, keys });
    await component.apply(ctx());
    const oldToken = await tokenOf();
    const oldKid = (await keys.activeKey(kube)).kid;
    clock += 2 * 3600 * 1000; // past the rotation period
    const newKid = (await keys.activeKey(kube)).kid;
    expect(newKid).not.toBe(oldKid);
    const { rows } = await db.pool.query('SELECT kid FROM federation.gateway_signing_keys ORDER BY created_at');
    expect(rows.map((r) => r.kid)).toEqual([oldKid, newKid]);
    expect(await verifier()(oldToken)).toMatchObject({ department: dept });
  });

  it('does delete and revoke the token on deprovision', async () => {
    const component = createGatewayTokenComponent({ pool: db.pool, keys });
    await component.apply(ctx());
    const token = await tokenOf();
    const result = await component.delete(ctx());
    expect(result.condition).toMatchObject({ status: 'False', reason: 'TokenRevoked' });
    await expect(tokenOf()).rejects.toMatchObject({ code: 404 });
    await expect(verifier()(token)).rejects.toThrow(/revoked/);
    await component.apply(ctx()); // a department re-created under the same name gets a token that works
    expect(await verifier()(await tokenOf())).toMatchObject({ department: dept });
  });

  it('does report the expiry of the token in use to the metrics, kept or minted, and drop it on deprovision', async () => {
    const metrics = new ControllerMetrics();
    const component = createGatewayTokenComponent({ pool: db.pool, keys, onTokenExpiry: metrics.observeGatewayToken });
    const exported = async () =>
      (await metrics.gatewayTokenExpiry.get()).values.filter((v) => v.labels.department === dept).map((v) => v.value);
    await component.apply(ctx()); // keeps the token the previous test left
    expect(await exported()).toEqual([decodeJwt(await tokenOf()).exp]);
    await component.delete(ctx());
    expect(await exported()).toEqual([]);
    await component.apply(ctx()); // mints a new one
    expect(await exported()).toEqual([decodeJwt(await tokenOf()).exp]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { controllerConfig, loadConfig } from '../controller/runtime/config.ts';
import { GATEWAY_READY_PATH } from '../crds/agent.ts';
import {
  containerEnv,
  findConfigMap,
  findObject,
  type KubeObject,
  renderKustomization,
} from '../e2e/testenv/kustomize.ts';
import { embeddingProvidersFromEnv } from '../gateway/documents/embeddings.ts';
import { oidcIssuerConfig } from '../gateway/identity/oidc-issuer.ts';
import { gatewaySettings } from '../gateway/settings.ts';
import { CONTROLLER_MIB, CONTROLLER_MIN_LIMIT_MIB, ENGINE_MIB, engineSlots } from '../pulumi/stack.ts';
import { agentHealthEnv } from '../reconcilers/runtime/agent-health/config.ts';
import { runtimeConfigFromEnv, runtimeEnv } from '../reconcilers/runtime/config.ts';
import { N8N_API_SCOPES, N8N_EXCLUDED_NODES, N8N_VERSION } from '../reconcilers/workflows/n8n-settings.ts';

const DEPLOY = fileURLToPath(new URL('./', import.meta.url));
const dirsUnder = (parent: string) => readdirSync(join(DEPLOY, parent)).map((d) => `${parent}/${d}`);
/** Every installable kustomization: the base, the overlays and the kind install. */
const INSTALLS = ['base', ...dirsUnder('overlays'), 'kind'];
const COMPONENTS = dirsUnder('components');

/** Placeholder Secrets with the names and keys the pods read (the real ones are never committed). */
const SECRETS = {
  'federation-platform-database': { url: 'postgres://federation:pw@db.example:5432/federation' },
  'federation-db-app': { uri: 'postgresql://federation:pw@federation-db-rw.federation-system:5432/federation' },
  'federation-n8n': { url: 'http://n8n.federation-system.svc:5678', apiKey: 'n8n-api-key' },
  'gateway-database': { url: 'postgres://federation_gateway:pw@db.example:5432/federation' },
  'federation-gateway-providers': { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'https://api.openai.com/v1' },
};

/** Variables the controller reads outside the two zod schemas (controller/components.ts, the pulumi engine). */
const OTHER_CONTROLLER_SETTINGS = ['DATABASE_URL', 'N8N_URL', 'N8N_API_KEY', 'DISABLED_COMPONENTS', 'HOME'];
const GATEWAY_SETTINGS = [
  ...Object.keys(gatewaySettings.shape),
  // gateway/documents/embeddings.ts, from the optional Secret federation-gateway-providers
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'EMBEDDING_MODEL',
];

const rendered = new Map<string, KubeObject[]>();
beforeAll(async () => {
  for (const dir of INSTALLS) rendered.set(dir, await renderKustomization(join(DEPLOY, dir)));
});
const objects = (dir: string) => rendered.get(dir) as KubeObject[];
const podSpec = (o: KubeObject) => o.spec.template.spec;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy manifests', () => {
  it('uses every component in at least one install', () => {
    const used = new Set(
      INSTALLS.flatMap((dir) => {
        const k = parse(readFileSync(join(DEPLOY, dir, 'kustomization.yaml'), 'utf8'));
        return (k.components ?? []).map((c: string) => relative(DEPLOY, join(DEPLOY, dir, c)));
      }),
    );
    expect([...used].sort()).toEqual([...COMPONENTS].sort());
  });

  it.each(INSTALLS)('%s runs two controller replicas hardened, probed, bounded and covered by a PDB', (dir) => {
    const all = objects(dir);
    const deployment = findObject(all, 'Deployment', 'federation-controller');
    expect(deployment.spec.replicas).toBe(2);
    const spec = podSpec(deployment);
    expect(spec.serviceAccountName).toBe('federation-controller');
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = spec.containers;
    expect(container.args).toBeUndefined(); // the image's CMD runs dist/controller/main.js
    expect(container.image).toMatch(/^ghcr\.io\/synrg\/federation-controller:[\w.-]+$/);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(container[probe]).toBeDefined();
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    const pdb = findObject(all, 'PodDisruptionBudget', 'federation-controller');
    expect(selects(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
  });

  it.each(INSTALLS)('%s runs at least two gateway replicas behind a Service and a PDB', (dir) => {
    const all = objects(dir);
    const deployment = findObject(all, 'Deployment', 'federation-gateway');
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const labels = deployment.spec.template.metadata.labels;
    const [container] = podSpec(deployment).containers;
    expect(container.args).toBeUndefined();
    expect(container.image).toMatch(/^ghcr\.io\/synrg\/federation-gateway:[\w.-]+$/);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const service = findObject(all, 'Service', 'federation-gateway');
    expect(selects(service.spec.selector, labels)).toBe(true);
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
    expect(
      selects(findObject(all, 'PodDisruptionBudget', 'federation-gateway').spec.selector.matchLabels, labels),
    ).toBe(true);
  });

  it.each(INSTALLS)('%s gives every pod it runs a NetworkPolicy for its ingress and its egress', (dir) => {
    const all = objects(dir);
    const policies = all.filter((o) => o.kind === 'NetworkPolicy');
    const pods = all.filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.metadata.labels);
    expect(pods.length).toBeGreaterThanOrEqual(2);
    for (const labels of pods) {
      const covering = policies.filter((p) => selects(p.spec.podSelector.matchLabels ?? {}, labels));
      const types = new Set(covering.flatMap((p) => p.spec.policyTypes));
      expect({ pod: labels['app.kubernetes.io/name'], types: [...types].sort() }).toEqual({
        pod: labels['app.kubernetes.io/name'],
        types: ['Egress', 'Ingress'],
      });
    }
  });

  it.each(INSTALLS)('%s commits no Secret: every Secret a pod reads is created outside the repository', (dir) => {
    expect(objects(dir).filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it.each(INSTALLS)('%s sets every setting the controller components need, with the work dir on a volume', (dir) => {
    const all = objects(dir);
    const env = containerEnv(all, 'federation-controller', 'controller', SECRETS, {
      'metadata.name': 'federation-controller-abc',
      'metadata.namespace': 'federation-system',
    });
    const known = new Set([
      ...Object.keys(controllerConfig.shape),
      ...Object.keys(runtimeEnv.shape),
      ...Object.keys(agentHealthEnv.shape),
      ...OTHER_CONTROLLER_SETTINGS,
    ]);
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const config = loadConfig(env);
    expect(config.POD_NAME).toBe('federation-controller-abc');
    expect(config.LEASE_NAMESPACE).toBe('federation-system');
    // The settings each component reads (controller/components.ts, reconcilers/runtime/config.ts).
    for (const name of ['DATABASE_URL', 'N8N_URL', 'N8N_WEBHOOK_BASE_URL', 'GATEWAY_URL']) {
      expect(env[name], name).toMatch(/^(https?|postgres(ql)?):\/\//);
    }
    expect(env.N8N_API_KEY).toBe(SECRETS['federation-n8n'].apiKey);
    const runtime = runtimeConfigFromEnv(env, { root: env.PULUMI_CLI_ROOT as string, pulumiHome: '' });
    expect(runtime.backendUrl).toMatch(/^postgres/);
    expect(env.PULUMI_CLI_ROOT).toBe('/opt/pulumi');
    expect(env.RUNTIME_PLATFORM_SECRET).toBe('federation-system/runtime-platform');

    const deployment = findObject(all, 'Deployment', 'federation-controller');
    const spec = podSpec(deployment);
    const emptyDirs = new Set(
      spec.volumes.filter((v: { emptyDir?: unknown }) => v.emptyDir).map((v: { name: string }) => v.name),
    );
    const writable: string[] = spec.containers[0].volumeMounts
      .filter((m: { name: string }) => emptyDirs.has(m.name))
      .map((m: { mountPath: string }) => m.mountPath);
    for (const path of [env.RUNTIME_WORK_DIR, env.PULUMI_HOME, env.HOME, '/tmp'] as string[]) {
      expect(isAbsolute(path), path).toBe(true);
      expect(
        writable.some((m) => path === m || path.startsWith(`${m}/`)),
        `${path} is on one of ${writable}`,
      ).toBe(true);
    }
  });

  it.each(INSTALLS)('%s leaves n8n settings to an optional Secret, so the controller starts without them', (dir) => {
    const env = containerEnv(objects(dir), 'federation-controller', 'controller', {
      'federation-platform-database': SECRETS['federation-platform-database'],
      'federation-db-app': SECRETS['federation-db-app'],
    });
    expect(env.N8N_URL).toBeUndefined();
    expect(env.N8N_API_KEY).toBeUndefined();
    expect(env.PULUMI_BACKEND_URL).toBeUndefined();
  });

  it.each(INSTALLS)('%s gives the controller memory for itself and its default engine runs', (dir) => {
    const [container] = podSpec(findObject(objects(dir), 'Deployment', 'federation-controller')).containers;
    const limit = /^(\d+)(Mi|Gi)$/.exec(container.resources.limits.memory as string);
    expect(limit, `controller memory limit ${container.resources.limits.memory}`).not.toBeNull();
    const mib = Number(limit?.[1]) * (limit?.[2] === 'Gi' ? 1024 : 1);
    expect(mib).toBeGreaterThanOrEqual(CONTROLLER_MIN_LIMIT_MIB);
    // The engine runs the limit allows fit beside the controller's own memory, and they are as many as
    // RUNTIME_CONCURRENCY's default: the limit does not silently run fewer.
    const concurrency = runtimeEnv.parse({}).RUNTIME_CONCURRENCY;
    const slots = engineSlots(concurrency, mib * 1024 * 1024);
    expect(slots * ENGINE_MIB).toBeLessThanOrEqual(mib - CONTROLLER_MIB);
    expect(slots).toBe(concurrency);
  });

  it.each(INSTALLS)('%s sets only settings the gateway reads, on the port its Service targets', (dir) => {
    const all = objects(dir);
    const env = containerEnv(all, 'federation-gateway', 'gateway', SECRETS);
    // Behind an Ingress or a Gateway the client's address is one X-Forwarded-For hop away.
    const proxied = all.some((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute');
    expect(env.TRUSTED_PROXY_HOPS).toBe(proxied ? '1' : undefined);
    expect(Object.keys(env).filter((k) => !GATEWAY_SETTINGS.includes(k))).toEqual([]);
    expect(env.GATEWAY_DATABASE_URL).toBe(SECRETS['gateway-database'].url);
    expect(embeddingProvidersFromEnv(env).openai?.apiKey).toBe('sk-test'); // the optional provider Secret reaches it
    expect(z.array(oidcIssuerConfig).safeParse(JSON.parse(env.OIDC_ISSUERS as string)).success).toBe(true);
    const [container] = podSpec(findObject(all, 'Deployment', 'federation-gateway')).containers;
    expect(Number(env.PORT)).toBe(container.ports[0].containerPort);
  });

  it('reads the platform database from CloudNativePG where the cluster declares it', () => {
    for (const dir of ['overlays/cloudnative-pg', 'kind']) {
      const all = objects(dir);
      const cluster = findObject(all, 'Cluster', 'federation-db');
      const env = containerEnv(all, 'federation-controller', 'controller', SECRETS);
      expect(env.DATABASE_URL).toBe(SECRETS['federation-db-app'].uri);
      expect(cluster.spec.bootstrap.initdb.owner).toBe('federation');
      const policy = findObject(all, 'NetworkPolicy', 'federation-db');
      expect(policy.spec.podSelector.matchLabels).toEqual({ 'cnpg.io/cluster': cluster.metadata.name });
      expect(findObject(all, 'DatabaseRole', 'federation-db-n8n').spec.passwordSecret.name).toBe(
        'federation-n8n-database',
      );
    }
  });

  it.each(['overlays/cloudnative-pg', 'kind'])(
    '%s runs the n8n version the tests run, on its own login, without code nodes',
    (dir) => {
      const all = objects(dir);
      const [container] = podSpec(findObject(all, 'Deployment', 'n8n')).containers;
      expect(container.image).toBe(`docker.n8n.io/n8nio/n8n:${N8N_VERSION}`);
      const env = containerEnv(all, 'n8n', 'n8n', {
        'federation-n8n-database': { host: 'h', port: '5432', dbname: 'n8n', username: 'n8n', password: 'p' },
        'federation-n8n-encryption': { encryptionKey: 'k' },
      });
      expect(env).toMatchObject({ DB_TYPE: 'postgresdb', DB_POSTGRESDB_USER: 'n8n', N8N_ENCRYPTION_KEY: 'k' });
      // Code, shell and file nodes refused, as on the local platform.
      expect(JSON.parse(env.NODES_EXCLUDE as string)).toEqual(N8N_EXCLUDED_NODES);
      expect(findConfigMap(all, 'federation-controller')?.data?.N8N_WEBHOOK_BASE_URL).toBe(`${env.WEBHOOK_URL}webhook`);
    },
  );

  it('publishes only the gateway public routes, the readiness path the agents check among them, with TLS', () => {
    const published = ['/.well-known/jwks.json', '/api', '/openapi.json', GATEWAY_READY_PATH].sort();
    const ingress = findObject(objects('overlays/existing-postgres'), 'Ingress', 'federation-gateway');
    expect(ingress.spec.tls[0].hosts).toEqual([ingress.spec.rules[0].host]);
    const paths = ingress.spec.rules[0].http.paths.map((p: { path: string }) => p.path);
    expect(paths.sort()).toEqual(published);

    const all = objects('overlays/cloudnative-pg');
    const gateway = findObject(all, 'Gateway', 'federation');
    const listener = gateway.spec.listeners[0];
    expect(listener).toMatchObject({ protocol: 'HTTPS', tls: { mode: 'Terminate' } });
    const route = findObject(all, 'HTTPRoute', 'federation-gateway');
    const matched = route.spec.rules.flatMap((r: { matches: { path: { value: string } }[] }) =>
      r.matches.map((m) => m.path.value),
    );
    expect(matched.sort()).toEqual(published);
    expect(route.spec.hostnames).toEqual([listener.hostname]);
    for (const install of ['overlays/existing-postgres', 'overlays/cloudnative-pg']) {
      const host = new URL(findConfigMap(objects(install), 'federation-controller')?.data?.GATEWAY_URL as string);
      expect(host.protocol).toBe('https:');
      expect(host.hostname).toBe('gateway.federation.example.com');
    }
  });

  it('kind runs the images the script builds, without Railway', () => {
    const all = objects('kind');
    for (const name of ['federation-controller', 'federation-gateway']) {
      expect(podSpec(findObject(all, 'Deployment', name)).containers[0].image).toBe(`ghcr.io/synrg/${name}:dev`);
    }
    expect(findConfigMap(all, 'federation-controller')?.data?.DISABLED_COMPONENTS).toBe('runtime');
    const script = readFileSync(join(DEPLOY, 'kind', 'install.sh'), 'utf8');
    expect(script).toContain('kubectl apply --server-side -k deploy/kind'.replace('kubectl', 'kube'));
    const scopes = script.match(/^N8N_API_SCOPES='(.*)'$/m)?.[1];
    expect(JSON.parse(scopes as string)).toEqual(N8N_API_SCOPES);
    const cluster = parse(readFileSync(join(DEPLOY, 'kind', 'kind-config.yaml'), 'utf8'));
    expect(cluster).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: 'federation' });
    expect(script).toMatch(/^CLUSTER=\$\{KIND_CLUSTER_NAME:-federation\}$/m);
  });
});

import { describe, expect, it } from 'vitest';
import { planPod } from './deployment-pod.ts';
import type { KubeObject } from './kustomize.ts';
import type { ProductionTree } from './production-tree.ts';

const tree = {
  base: '/t',
  root: '/t/app',
  user: { uid: 65532, gid: 65532 },
  targets: {
    gateway: { args: ['/t/app/dist/gateway/main.js'], env: { NODE_ENV: 'production', CACHE: '/t/app/cache' } },
    controller: { args: ['/t/app/dist/controller/main.js'], env: {} },
  },
} as unknown as ProductionTree;

function deployment(container: Record<string, unknown>, volumes: unknown[] = []): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings-abc' },
      data: { PORT: '8443', HOST: '0.0.0.0', MODE: 'fast', CONFIG: '/etc/app/config.json' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: {
        template: {
          spec: {
            securityContext: { runAsUser: 1000, runAsGroup: 2000 },
            containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8443 }], ...container }],
            volumes,
          },
        },
      },
    },
  ];
}

const plan = (objects: KubeObject[], secrets = {}) =>
  planPod({
    objects,
    deployment: 'web',
    container: 'main',
    tree,
    target: 'gateway',
    secrets,
    volumesDir: '/v',
    ports: [40001, 40002],
  });

describe('planPod', () => {
  it("runs the image's CMD in its WORKDIR as the pod's user, env from image, ConfigMap, Secret and fields", () => {
    const p = plan(
      deployment({
        envFrom: [{ configMapRef: { name: 'settings-abc' } }],
        env: [
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings-abc', key: 'MODE' } } },
          { name: 'GREETING', value: 'mode $(MODE) on $(POD), $(UNKNOWN) kept' },
        ],
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8443 } },
      }),
      { creds: { token: 's3cret' } },
    );
    expect(p.argv).toEqual([process.execPath, '/t/app/dist/gateway/main.js']);
    expect(p.cwd).toBe('/t/app');
    expect(p.user).toEqual({ uid: 1000, gid: 2000 });
    expect(p.env).toEqual({
      NODE_ENV: 'production',
      CACHE: '/t/app/cache',
      PORT: '40001', // containerPort 8443, here a loopback port
      HOST: '127.0.0.1',
      MODE: 'fast',
      CONFIG: '/t/etc/app/config.json', // an image path: under the tree
      TOKEN: 's3cret',
      POD: 'web-local',
      LEVEL: 'fast',
      GREETING: 'mode fast on web-local, $(UNKNOWN) kept',
    });
    expect(p.probes).toEqual([
      { kind: 'liveness', path: '/healthz', port: 40001 },
      { kind: 'readiness', path: '/readyz', port: 40001 },
    ]);
  });

  it('maps mounted paths to their volume directories, command, args and TMPDIR included', () => {
    const p = plan(
      deployment(
        {
          command: ['node', '/app/dist/tool.js'],
          args: ['--config', '/etc/app/settings/config.json'],
          workingDir: '/work',
          envFrom: [{ configMapRef: { name: 'settings-abc' } }],
          volumeMounts: [
            { name: 'settings', mountPath: '/etc/app/settings' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
        [
          { name: 'settings', configMap: { name: 'settings-abc' } },
          { name: 'tmp', emptyDir: {} },
        ],
      ),
    );
    expect(p.argv).toEqual([process.execPath, '/t/app/dist/tool.js', '--config', '/v/0-settings/config.json']);
    expect(p.cwd).toBe('/t/work');
    expect(p.env.TMPDIR).toBe('/v/1-tmp');
    expect(p.mounts.map((m) => [m.mountPath, m.dir])).toEqual([
      ['/etc/app/settings', '/v/0-settings'],
      ['/tmp', '/v/1-tmp'],
    ]);
  });

  it('refuses what the kubelet would: a missing required Secret, ConfigMap key, or a probe on an undeclared port', () => {
    const env = (e: unknown) => deployment({ env: [e] });
    expect(() => plan(env({ name: 'T', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }))).toThrow(
      'T needs Secret creds key token',
    );
    expect(() =>
      plan(env({ name: 'T', valueFrom: { secretKeyRef: { name: 'creds', key: 'token', optional: true } } })),
    ).not.toThrow();
    expect(() =>
      plan(env({ name: 'L', valueFrom: { configMapKeyRef: { name: 'settings-abc', key: 'NONE' } } })),
    ).toThrow('L needs ConfigMap settings-abc key NONE');
    expect(() => plan(deployment({ readinessProbe: { httpGet: { path: '/r', port: 'admin' } } }))).toThrow(
      'a probe names port admin',
    );
  });
});

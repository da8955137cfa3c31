import { isAbsolute, join, relative } from 'node:path';
import { containerEnv, findObject, type KubeObject } from './kustomize.ts';
import type { ProductionTree, Target } from './production-tree.ts';

/** Secrets by name, each key to its (decoded) value: what the cluster would hold. */
export type SecretData = Record<string, Record<string, string>>;

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}

interface Probe {
  httpGet?: { path: string; port: number | string };
}

export interface Volume {
  name: string;
  emptyDir?: object;
  secret?: { secretName: string; items?: { key: string; path: string }[]; defaultMode?: number };
  configMap?: { name: string; items?: { key: string; path: string }[]; defaultMode?: number };
}

/** One container of a rendered Deployment, laid out for a process on this machine. */
export interface PodPlan {
  /** The program and its arguments, paths mapped (`node` is this Node.js). */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  user: { uid: number; gid: number };
  /** Each mount: the image path, the volume, and where its directory is here. */
  mounts: { mountPath: string; volume: Volume; dir: string }[];
  /** containerPort -> the loopback port it listens on here. */
  ports: Map<number, number>;
  /** The probes' HTTP GETs, on their ports here. */
  probes: { kind: 'startup' | 'liveness' | 'readiness'; path: string; port: number }[];
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * Lays out `container` of Deployment `deployment` as the kubelet would start it, on this machine: the image's CMD
 * and ENV from the production tree unless the container sets command/args; env from the image, then envFrom and
 * env (ConfigMaps from `objects`, Secrets from `secrets`, $(VAR) references expanded); each volume mount a
 * directory under `volumesDir`; image paths under the tree. A pod has its own network: each containerPort becomes
 * a free loopback port (`ports`), and a setting naming that port, or the pod's any-address 0.0.0.0, follows.
 * A required Secret, key or ConfigMap that is missing throws, as the pod would not start.
 */
export function planPod(opts: {
  objects: KubeObject[];
  deployment: string;
  container: string;
  tree: ProductionTree;
  target: Target;
  secrets: SecretData;
  volumesDir: string;
  ports: number[];
}): PodPlan {
  const pod = findObject(opts.objects, 'Deployment', opts.deployment).spec.template.spec;
  const c = (pod.containers as Container[]).find((x) => x.name === opts.container);
  if (!c) throw new Error(`Deployment ${opts.deployment} has no container ${opts.container}`);
  const image = opts.tree.targets[opts.target];
  const workdir = c.workingDir ?? `/${relative(opts.tree.base, opts.tree.root)}`;

  const volumes = new Map(((pod.volumes ?? []) as Volume[]).map((v) => [v.name, v]));
  const mounts = (c.volumeMounts ?? []).map((m, i) => {
    const volume = volumes.get(m.name);
    if (!volume) throw new Error(`${opts.deployment}: mount ${m.mountPath} names no volume ${m.name}`);
    if (m.subPath) throw new Error(`${opts.deployment}: subPath mounts are not laid out here`);
    return { mountPath: m.mountPath, volume, dir: join(opts.volumesDir, `${i}-${m.name}`) };
  });
  /** An image path here: under its mount's directory, else under the tree. */
  const mapPath = (path: string): string => {
    const mount = mounts
      .filter((m) => under(path, m.mountPath))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    return mount ? join(mount.dir, relative(mount.mountPath, path)) : join(opts.tree.base, path);
  };

  const declared = c.ports ?? [];
  if (declared.length > opts.ports.length) throw new Error(`${opts.deployment}: not enough free ports given`);
  const ports = new Map(declared.map((p, i) => [p.containerPort, opts.ports[i] as number]));
  const portOf = (ref: number | string): number => {
    const number = typeof ref === 'number' ? ref : declared.find((p) => p.name === ref)?.containerPort;
    const local = number === undefined ? undefined : ports.get(number);
    if (local === undefined)
      throw new Error(`${opts.deployment}: a probe names port ${ref}, which it does not declare`);
    return local;
  };

  const fields = {
    'metadata.name': `${opts.deployment}-local`,
    'metadata.namespace': findObject(opts.objects, 'Deployment', opts.deployment).metadata.namespace ?? 'default',
    'status.podIP': '127.0.0.1',
  };
  const declaredEnv = containerEnv(opts.objects, opts.deployment, opts.container, opts.secrets, fields);
  for (const v of c.env ?? []) {
    const ref = v.valueFrom?.configMapKeyRef;
    if (!ref) continue;
    const value = opts.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name)?.data?.[ref.key];
    if (value === undefined) throw new Error(`${v.name} needs ConfigMap ${ref.name} key ${ref.key}`);
    declaredEnv[v.name] = value;
  }
  const env: Record<string, string> = { ...image.env };
  for (const [name, raw] of Object.entries(declaredEnv)) {
    const value = raw.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, ref: string) => env[ref] ?? whole);
    env[name] = localValue(value, ports, mapPath);
  }
  const tmp = mounts.find((m) => m.mountPath === '/tmp');
  if (tmp) env.TMPDIR = tmp.dir;

  // The images have no ENTRYPOINT: command and args replace the CMD (whose paths the tree has mapped already).
  const declaredArgv = c.command ? [...c.command, ...(c.args ?? [])] : c.args;
  const argv = declaredArgv
    ? declaredArgv.map((a) => (isAbsolute(a) ? mapPath(a) : a))
    : [process.execPath, ...image.args];
  if (argv[0] === 'node') argv[0] = process.execPath;
  const cwd = mapPath(workdir);
  const security = { ...pod.securityContext, ...c.securityContext };
  const user = { uid: security.runAsUser ?? opts.tree.user.uid, gid: security.runAsGroup ?? opts.tree.user.gid };
  const probes = (['startup', 'liveness', 'readiness'] as const).flatMap((kind) => {
    const get = c[`${kind}Probe`]?.httpGet;
    return get ? [{ kind, path: get.path, port: portOf(get.port) }] : [];
  });
  return {
    argv,
    cwd,
    env,
    user,
    mounts,
    ports,
    probes,
  };
}

/** A setting as the process here must see it: a declared port's local port, loopback for any-address, paths mapped. */
function localValue(value: string, ports: Map<number, number>, mapPath: (p: string) => string): string {
  const port = /^\d+$/.test(value) ? ports.get(Number(value)) : undefined;
  if (port !== undefined) return String(port);
  if (value === '0.0.0.0') return '127.0.0.1';
  return isAbsolute(value) ? mapPath(value) : value;
}

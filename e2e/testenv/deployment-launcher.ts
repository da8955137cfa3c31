import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type PodPlan, planPod, type SecretData, type Volume } from './deployment-pod.ts';
import { findObject, type KubeObject } from './kustomize.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePorts } from './ports.ts';
import type { ProductionTree, Target } from './production-tree.ts';
import { waitFor } from './wait.ts';
import type { Watchdog } from './watchdog.ts';

export interface LaunchedContainer {
  plan: PodPlan;
  process: ManagedProcess;
  /** http://127.0.0.1:<port> for each containerPort. */
  url(containerPort: number): string;
  stop(): Promise<void>;
}

/**
 * Starts one container of a rendered Deployment (kustomize output of deploy/) as a process from the production
 * tree, as planPod lays it out: volumes materialised (emptyDir an empty directory, Secret and ConfigMap volumes
 * their files), running as the pod's user, in its working directory. What a cluster supplies beside the
 * manifests is given: the Secrets, and the ServiceAccount's credentials as a kubeconfig (KUBECONFIG). Resolves
 * once every HTTP probe's path answers 2xx; rejects, with the log's tail, when the process exits first.
 */
export async function launchContainer(opts: {
  objects: KubeObject[];
  deployment: string;
  container: string;
  tree: ProductionTree;
  target: Target;
  secrets: SecretData;
  kubeconfig: string;
  watchdog: Watchdog;
  timeoutMs?: number;
}): Promise<LaunchedContainer> {
  const dir = mkdtempSync(join(tmpdir(), `fed-pod-${opts.deployment}-`));
  chmodSync(dir, 0o711);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const plan = planPod({ ...opts, volumesDir: join(dir, 'volumes'), ports: await freePorts(8) });
    mkdirSync(join(dir, 'volumes'), { mode: 0o711 });
    for (const m of plan.mounts) materialise(m.volume, m.dir, plan.user, opts.objects, opts.secrets);
    const kubeconfig = join(dir, 'kubeconfig');
    copyFileSync(opts.kubeconfig, kubeconfig);
    chmodSync(kubeconfig, 0o600);
    chownSync(kubeconfig, plan.user.uid, plan.user.gid);
    const [program, ...args] = plan.argv as [string, ...string[]];
    const proc = new ManagedProcess(
      opts.deployment,
      'env',
      ['--chdir', plan.cwd, program, ...args],
      join(dir, 'container.log'),
      opts.watchdog,
      { PATH: process.env.PATH, ...plan.env, KUBECONFIG: kubeconfig },
      plan.user,
    );
    const stop = async () => {
      await proc.stop();
      remove();
    };
    try {
      for (const probe of plan.probes) {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${probe.port}${probe.path}`)).ok, {
          timeoutMs: opts.timeoutMs ?? 60_000,
          gone: () => !proc.running,
          describe: (ended) =>
            `${opts.deployment}'s ${probe.kind} probe ${probe.path}: ${ended === 'gone' ? 'the process exited first' : 'no 2xx'}:\n${proc.logTail()}`,
        });
      }
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      plan,
      process: proc,
      url: (containerPort) => `http://127.0.0.1:${plan.ports.get(containerPort)}`,
      stop,
    };
  } catch (err) {
    remove();
    throw err;
  }
}

/** A volume's directory as the kubelet fills it: empty, or one file per Secret or ConfigMap key (or item). */
function materialise(
  volume: Volume,
  dir: string,
  user: { uid: number; gid: number },
  objects: KubeObject[],
  secrets: SecretData,
): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, user.uid, user.gid);
  const source = volume.secret
    ? { data: secrets[volume.secret.secretName], spec: volume.secret, what: `Secret ${volume.secret.secretName}` }
    : volume.configMap
      ? {
          data: findObject(objects, 'ConfigMap', volume.configMap.name).data,
          spec: volume.configMap,
          what: `ConfigMap ${volume.configMap.name}`,
        }
      : undefined;
  if (!source) {
    if (!volume.emptyDir) throw new Error(`volume ${volume.name}: only emptyDir, Secret and ConfigMap volumes here`);
    return;
  }
  if (!source.data) throw new Error(`volume ${volume.name} needs ${source.what}`);
  const items = source.spec.items ?? Object.keys(source.data).map((key) => ({ key, path: key }));
  for (const { key, path } of items) {
    const value = source.data[key];
    if (value === undefined) throw new Error(`volume ${volume.name} needs ${source.what} key ${key}`);
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, value, { mode: source.spec.defaultMode ?? 0o644 });
    chownSync(file, user.uid, user.gid);
  }
}

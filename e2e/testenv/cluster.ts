import { request } from 'node:https';
import { join } from 'node:path';
import { kubectlOk } from './kubectl.ts';
import { ensureKwok, KWOK_NODE } from './kwok.ts';
import { ManagedProcess } from './managed-process.ts';
import { waitFor } from './wait.ts';
import type { Watchdog } from './watchdog.ts';

export interface ClusterControllersOptions {
  runDir: string;
  /** ca.crt and sa.key, as the API server was given them. */
  pki: string;
  /** An admin kubeconfig (the controllers' client and their authentication/authorization delegation). */
  kubeconfig: string;
  ports: { 'kube-controller-manager': number; 'kube-scheduler': number };
  binaries: { kubeControllerManager: string; kubeScheduler: string };
  watchdog: Watchdog;
}

/**
 * What makes an API server a cluster: kube-controller-manager (garbage collection of owned objects, namespaces
 * that finish deleting, Deployments' ReplicaSets and pods, service-account tokens), kube-scheduler, and one kwok
 * node that runs the scheduled pods as simulated Running containers (there is no container engine here).
 * Each serves /healthz on loopback; the node is Ready before this resolves.
 */
export async function startClusterControllers(o: ClusterControllersOptions): Promise<ManagedProcess[]> {
  const env = { ...process.env, FEDERATION_RUN_DIR: o.runDir };
  const common = (port: number, name: string) => [
    `--kubeconfig=${o.kubeconfig}`,
    `--authentication-kubeconfig=${o.kubeconfig}`,
    `--authorization-kubeconfig=${o.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(o.runDir, name)}`,
    '--leader-elect=false',
    '--profiling=false',
    '--v=0',
  ];
  const kcmPort = o.ports['kube-controller-manager'];
  const schedulerPort = o.ports['kube-scheduler'];
  const processes: ManagedProcess[] = [];
  const start = (name: string, binary: string, args: string[]) => {
    const p = new ManagedProcess(name, binary, args, join(o.runDir, `${name}.log`), o.watchdog, env);
    processes.push(p);
    return p;
  };
  try {
    const kcm = start('kube-controller-manager', o.binaries.kubeControllerManager, [
      ...common(kcmPort, 'kube-controller-manager'),
      `--root-ca-file=${join(o.pki, 'ca.crt')}`,
      `--service-account-private-key-file=${join(o.pki, 'sa.key')}`,
      '--use-service-account-credentials=false',
      // Loopback has no cloud and no pod network: no node CIDRs to hand out, no cloud routes.
      '--allocate-node-cidrs=false',
      '--configure-cloud-routes=false',
    ]);
    const scheduler = start('kube-scheduler', o.binaries.kubeScheduler, common(schedulerPort, 'kube-scheduler'));
    const kwokFiles = await ensureKwok();
    const kwok = start('kwok', kwokFiles.binary, [
      `--config=${kwokFiles.stages}`,
      `--kubeconfig=${o.kubeconfig}`,
      '--node-lease-duration-seconds=40',
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1',
      '--cidr=10.0.1.0/24',
    ]);
    await Promise.all([
      waitFor(() => healthz(kcmPort), {
        timeoutMs: 60_000,
        describe: () => `kube-controller-manager did not become healthy:\n${kcm.logTail()}`,
      }),
      waitFor(() => healthz(schedulerPort), {
        timeoutMs: 60_000,
        describe: () => `kube-scheduler did not become healthy:\n${scheduler.logTail()}`,
      }),
    ]);
    await kubectlOk(
      o.kubeconfig,
      ['apply', '--server-side', '--field-manager=federation-platform', '-f', '-'],
      JSON.stringify(KWOK_NODE),
    );
    await kubectlOk(o.kubeconfig, [
      'wait',
      '--for=condition=Ready',
      '--timeout=60s',
      `node/${KWOK_NODE.metadata.name}`,
    ]).catch((err: Error) => {
      throw new Error(`${err.message}\nkwok:\n${kwok.logTail()}`);
    });
    return processes;
  } catch (err) {
    await Promise.all(processes.map((p) => p.stop()));
    throw err;
  }
}

/**
 * The controllers' /healthz, which their default authorization lets anyone read. They serve it with a
 * certificate they generate for themselves at start, which nothing can know beforehand: the probe does not
 * verify it (loopback, a process this run started, nothing secret sent or read).
 */
function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureControlPlaneBinaries } from './binaries.ts';
import { type ControlPlaneCerts, daysLeft, generateControlPlaneCerts } from './certs.ts';
import { startClusterControllers } from './cluster.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePorts } from './ports.ts';
import type { PlatformState } from './state.ts';
import { waitFor } from './wait.ts';
import type { Watchdog } from './watchdog.ts';

export interface ControlPlane {
  server: string;
  kubeconfig: string;
  certs: ControlPlaneCerts;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver the way controller-runtime's envtest does, writes a kubeconfig, then what makes
 * it a cluster (cluster.ts: kube-controller-manager, kube-scheduler, a kwok node). With kept `state`, etcd's
 * data, the certificates (until a day before they expire) and the ports are those of the last run.
 */
export async function startControlPlane(
  runDir: string,
  watchdog: Watchdog,
  state?: PlatformState,
): Promise<ControlPlane> {
  const bins = await ensureControlPlaneBinaries();
  const certs = await controlPlaneCerts(state);
  const pki = join(runDir, 'secrets', 'pki');
  await mkdir(pki, { recursive: true, mode: 0o700 });
  const files: Record<string, string> = {
    'ca.crt': certs.ca.cert,
    'serving.crt': certs.serving.cert,
    'serving.key': certs.serving.key,
    'sa.key': certs.serviceAccount.privateKey,
    'sa.pub': certs.serviceAccount.publicKey,
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(pki, name), content, { mode: 0o600 });

  const names = ['etcd', 'etcd-peer', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
  const ports = state
    ? await state.ports(names)
    : await freePorts(names.length).then(
        (free) =>
          Object.fromEntries(names.map((n, i) => [n, free[i] as number])) as Record<(typeof names)[number], number>,
      );
  const etcdDir = state ? state.path('etcd') : join(runDir, 'etcd');
  const etcd = await startEtcd(
    bins.etcd,
    runDir,
    etcdDir,
    [ports.etcd as number, ports['etcd-peer'] as number],
    watchdog,
  );
  const port = ports['kube-apiserver'] as number;
  const apiserver = new ManagedProcess(
    'kube-apiserver',
    bins.kubeApiserver,
    [
      `--etcd-servers=${etcd.url}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${join(pki, 'serving.crt')}`,
      `--tls-private-key-file=${join(pki, 'serving.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=0',
    ],
    join(runDir, 'kube-apiserver.log'),
    watchdog,
    // Every server names its run in its environment: leak checks find it even when its data lives elsewhere.
    { ...process.env, FEDERATION_RUN_DIR: runDir },
  );
  const server = `https://127.0.0.1:${port}`;
  const cluster: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(cluster.map((p) => p.stop()));
    await apiserver.stop();
    await etcd.process.stop();
  };
  try {
    await waitFor(() => readyz(server, certs), {
      timeoutMs: 90_000,
      describe: () => `kube-apiserver did not become ready at ${server}/readyz:\n${apiserver.logTail()}`,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const kubeconfig = join(runDir, 'secrets', 'kubeconfig');
  await writeFile(kubeconfig, renderKubeconfig(server, certs), { mode: 0o600 });
  try {
    cluster.push(
      ...(await startClusterControllers({
        runDir,
        pki,
        kubeconfig,
        ports,
        binaries: bins,
        watchdog,
      })),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { server, kubeconfig, certs, processes: [etcd.process, apiserver, ...cluster], stop };
}

/** The kept certificates while they have more than a day left; otherwise new ones (kept for the next run). */
async function controlPlaneCerts(state: PlatformState | undefined): Promise<ControlPlaneCerts> {
  const kept = state?.read<ControlPlaneCerts>('secrets/pki.json');
  if (kept && daysLeft(kept) > 1) return kept;
  const certs = await generateControlPlaneCerts();
  state?.write('secrets/pki.json', certs);
  return certs;
}

async function startEtcd(
  binary: string,
  runDir: string,
  dataDir: string,
  [clientPort, peerPort]: [number, number],
  watchdog: Watchdog,
) {
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = new ManagedProcess(
    'etcd',
    binary,
    [
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    join(runDir, 'etcd.log'),
    watchdog,
    { ...globalThis.process.env, FEDERATION_RUN_DIR: runDir },
  );
  await waitFor(async () => (await fetch(`${url}/health`)).ok, {
    timeoutMs: 60_000,
    describe: () => `etcd did not become healthy at ${url}:\n${etcd.logTail()}`,
  });
  return { url, process: etcd };
}

function readyz(server: string, certs: ControlPlaneCerts): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${server}/readyz`,
      { ca: certs.ca.cert, cert: certs.admin.cert, key: certs.admin.key, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

export function renderKubeconfig(server: string, certs: ControlPlaneCerts): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'federation', cluster: { server, 'certificate-authority-data': b64(certs.ca.cert) } }],
    users: [
      {
        name: 'federation-admin',
        user: { 'client-certificate-data': b64(certs.admin.cert), 'client-key-data': b64(certs.admin.key) },
      },
    ],
    contexts: [{ name: 'federation', context: { cluster: 'federation', user: 'federation-admin' } }],
    'current-context': 'federation',
  });
}

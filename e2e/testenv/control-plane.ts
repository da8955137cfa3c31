import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureControlPlaneBinaries } from './binaries.ts';
import { type ControlPlaneCerts, generateControlPlaneCerts } from './certs.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePort, freePorts } from './ports.ts';
import { waitFor } from './wait.ts';
import type { Watchdog } from './watchdog.ts';

export interface ControlPlane {
  server: string;
  kubeconfig: string;
  certs: ControlPlaneCerts;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

/** Starts etcd and kube-apiserver the way controller-runtime's envtest does, and writes a kubeconfig. */
export async function startControlPlane(runDir: string, watchdog: Watchdog): Promise<ControlPlane> {
  const bins = await ensureControlPlaneBinaries();
  const certs = await generateControlPlaneCerts();
  const pki = join(runDir, 'pki');
  await mkdir(pki, { recursive: true });
  const files: Record<string, string> = {
    'ca.crt': certs.ca.cert,
    'serving.crt': certs.serving.cert,
    'serving.key': certs.serving.key,
    'sa.key': certs.serviceAccount.privateKey,
    'sa.pub': certs.serviceAccount.publicKey,
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(pki, name), content, { mode: 0o600 });

  const etcd = await startEtcd(bins.etcd, runDir, watchdog);
  const port = await freePort();
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
  );
  const server = `https://127.0.0.1:${port}`;
  const stop = async () => {
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
  const kubeconfig = join(runDir, 'kubeconfig');
  await writeFile(kubeconfig, renderKubeconfig(server, certs), { mode: 0o600 });
  return { server, kubeconfig, certs, processes: [etcd.process, apiserver], stop };
}

async function startEtcd(binary: string, runDir: string, watchdog: Watchdog) {
  const [clientPort, peerPort] = await freePorts(2);
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const process = new ManagedProcess(
    'etcd',
    binary,
    [
      `--data-dir=${join(runDir, 'etcd')}`,
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
  );
  await waitFor(async () => (await fetch(`${url}/health`)).ok, {
    timeoutMs: 60_000,
    describe: () => `etcd did not become healthy at ${url}:\n${process.logTail()}`,
  });
  return { url, process };
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

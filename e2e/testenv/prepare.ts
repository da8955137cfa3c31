// Installs and builds what the test environment needs (cached), printing how long each step took.
import { ensureControlPlaneBinaries } from './binaries.ts';
import { ensureLivekitServer } from './livekit.ts';
import { ensurePulumiCli } from './pulumi-cli.ts';

const started = Date.now();
const bins = await ensureControlPlaneBinaries();
console.log(`[prepare] pulumi: ${(await ensurePulumiCli()).pulumi}`);
console.log(`[prepare] kube-apiserver: ${bins.kubeApiserver}`);
console.log(`[prepare] etcd: ${bins.etcd}`);
console.log(`[prepare] control-plane binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`[prepare] livekit-server: ${await ensureLivekitServer()}`);
console.log(`[prepare] n8n: ${await (await import('./n8n.ts')).ensureN8n()}`);

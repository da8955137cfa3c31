// Time to WorkflowsReady against a real n8n for 1 and for 20 departments at once, and n8n API calls per department.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import type { Tool } from '../../crds/department.ts';
import { createWorkflowsComponent } from '../../reconcilers/workflows/component.ts';
import { createTestDatabase } from '../support/database.ts';
import { contextFor, createDepartment, provisionTenant } from '../support/workflows.ts';
import { startN8n } from '../testenv/n8n.ts';
import { startPlatform } from '../testenv/platform.ts';

const TOOLS: Tool[] = ['database', 'agent_context', 'vector_store'];
const platform = await startPlatform({ installCrds: true });
try {
  const kc = new KubeConfig();
  kc.loadFromFile(platform.kubeconfig);
  const db = await createTestDatabase(platform.databaseUrl);
  const n8nStarted = Date.now();
  const n8n = await startN8n({ databaseUrl: platform.databaseUrl });
  console.log(`n8n start (owner + API key included):      ${((Date.now() - n8nStarted) / 1000).toFixed(1)} s`);
  try {
    let calls = 0;
    let probes = 0;
    // API calls and the shared readiness probe (cached 10 s for all departments) are counted apart.
    const component = createWorkflowsComponent({
      n8nUrl: n8n.url,
      apiKey: n8n.apiKey,
      onRequest: (_, path) => (path === '/healthz/readiness' ? probes++ : calls++),
    });
    const run = async (count: number, label: string) => {
      const names = Array.from({ length: count }, (_, i) => `bench-${label}-${i}-${randomBytes(2).toString('hex')}`);
      const depts = [];
      for (const name of names) {
        await provisionTenant(kc, db.url, name, ['row']);
        depts.push(
          await createDepartment(kc, name, { displayName: name, adminEmail: 'b@example.com', enabledTools: TOOLS }),
        );
      }
      calls = 0;
      probes = 0;
      const started = Date.now();
      const results = await Promise.all(depts.map((d) => component.apply(contextFor(kc, d, { events: [], logs: [] }))));
      const elapsed = Date.now() - started;
      const notReady = results.filter((r) => r.condition.status !== 'True');
      if (notReady.length) throw new Error(`not ready: ${JSON.stringify(notReady.map((r) => r.condition))}`);
      const createCalls = calls;
      calls = 0;
      await Promise.all(depts.map((d) => component.apply(contextFor(kc, d, { events: [], logs: [] }))));
      console.log(
        `${String(count).padStart(2)} department(s), ${TOOLS.length} workflows each: WorkflowsReady in ${(elapsed / 1000).toFixed(2)} s` +
          ` (${(elapsed / count).toFixed(0)} ms/department); n8n API calls per department: ${(createCalls / count).toFixed(1)} to create,` +
          ` ${(calls / count).toFixed(1)} per steady-state reconcile; readiness probes in all: ${probes}`,
      );
    };
    await run(1, 'one');
    await run(20, 'many');
  } finally {
    await n8n.stop();
    await db.drop([]);
  }
} finally {
  await platform.stop();
}

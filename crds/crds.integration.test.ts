import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { componentConditions, summarize } from '../controller/department/status.ts';
import { kubectl, kubectlOk } from '../e2e/testenv/kubectl.ts';
import type { Component } from '../reconcilers/component.ts';

const kubeconfig = inject('kubeconfig');
const examplesDir = fileURLToPath(new URL('./examples/', import.meta.url));

const validSpec = {
  displayName: 'Legal',
  adminEmail: 'legal-admin@example.com',
  enabledTools: ['email'],
};
const validGrant = {
  sourceDepartment: 'hr',
  targetDepartment: 'sales',
  permissions: ['search'],
  queryTypes: ['search_documents'],
  reason: 'because',
};

function department(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'federation.synrg.io/v1alpha1', kind: 'Department', metadata: { name }, spec };
}
function grant(spec: Record<string, unknown>) {
  return {
    apiVersion: 'federation.synrg.io/v1alpha1',
    kind: 'CrossDepartmentGrant',
    metadata: { name: 'bad-grant' },
    spec,
  };
}

/** Each manifest must be refused, with a message naming the offending field. */
const invalid: [string, object, RegExp][] = [
  ['name with uppercase letters', department('Legal', validSpec), /metadata\.name/],
  ['name starting with a digit', department('9legal', validSpec), /metadata\.name/],
  ['name over 40 characters', department(`l${'e'.repeat(40)}`, validSpec), /metadata\.name/],
  ['missing displayName', department('legal', { ...validSpec, displayName: undefined }), /spec\.displayName/],
  ['over-long displayName', department('legal', { ...validSpec, displayName: 'x'.repeat(256) }), /spec\.displayName/],
  ['bad adminEmail', department('legal', { ...validSpec, adminEmail: 'not-an-email' }), /spec\.adminEmail/],
  ['unknown tool', department('legal', { ...validSpec, enabledTools: ['email', 'fax'] }), /spec\.enabledTools/],
  ['duplicate tools', department('legal', { ...validSpec, enabledTools: ['email', 'email'] }), /spec\.enabledTools/],
  ['missing enabledTools', department('legal', { ...validSpec, enabledTools: undefined }), /spec\.enabledTools/],
  [
    'temperature above 2',
    department('legal', { ...validSpec, llm: { provider: 'cerebras', temperature: 2.5 } }),
    /spec\.llm\.temperature/,
  ],
  ['negative temperature', department('legal', { ...validSpec, llm: { temperature: -0.1 } }), /spec\.llm\.temperature/],
  ['unknown llm provider', department('legal', { ...validSpec, llm: { provider: 'llama' } }), /spec\.llm\.provider/],
  ['unknown stt provider', department('legal', { ...validSpec, stt: { provider: 'whisper' } }), /spec\.stt\.provider/],
  ['unknown tts provider', department('legal', { ...validSpec, tts: { provider: 'espeak' } }), /spec\.tts\.provider/],
  // Providers the voice agent cannot run (crds/providers.ts): the API server refuses them, not the agent at start.
  ...(
    [
      ['llm', 'anthropic'],
      ['stt', 'assemblyai'],
      ['stt', 'google'],
      ['stt', 'azure'],
      ['tts', 'elevenlabs'],
      ['tts', 'azure'],
    ] as const
  ).map(([kind, provider]): [string, object, RegExp] => [
    `${kind} provider ${provider} the agent cannot run`,
    department('legal', { ...validSpec, [kind]: { provider } }),
    new RegExp(`spec\\.${kind}\\.provider`),
  ]),
  [
    'openai tts with a voice OpenAI does not have',
    department('legal', { ...validSpec, tts: { provider: 'openai' } }),
    /spec\.tts\.voice/,
  ],
  ['unknown deletionPolicy', department('legal', { ...validSpec, deletionPolicy: 'Orphan' }), /spec\.deletionPolicy/],
  [
    'googleWorkspace without domain',
    department('legal', { ...validSpec, googleWorkspace: { driveFolderId: 'x' } }),
    /spec\.googleWorkspace\.domain/,
  ],
  [
    'unknown runtime provider',
    department('legal', { ...validSpec, runtime: { provider: 'heroku' } }),
    /spec\.runtime\.provider/,
  ],
  ['suspend not a boolean', department('legal', { ...validSpec, suspend: 'sometimes' }), /spec\.suspend/],
  ['grant with source equal to target', grant({ ...validGrant, targetDepartment: 'hr' }), /spec\.targetDepartment/],
  ['grant with empty permissions', grant({ ...validGrant, permissions: [] }), /spec\.permissions/],
  ['grant with unknown permission', grant({ ...validGrant, permissions: ['write'] }), /spec\.permissions/],
  ['grant with duplicate permissions', grant({ ...validGrant, permissions: ['read', 'read'] }), /spec\.permissions/],
  ['grant with empty queryTypes', grant({ ...validGrant, queryTypes: [] }), /spec\.queryTypes/],
  ['grant with unknown queryType', grant({ ...validGrant, queryTypes: ['drop_tables'] }), /spec\.queryTypes/],
  ['grant with malformed expiresAt', grant({ ...validGrant, expiresAt: 'next tuesday' }), /spec\.expiresAt/],
  ['grant missing reason', grant({ ...validGrant, reason: undefined }), /spec\.reason/],
  ['grant with over-long reason', grant({ ...validGrant, reason: 'x'.repeat(501) }), /spec\.reason/],
  ['grant with a bad department name', grant({ ...validGrant, sourceDepartment: 'H R' }), /spec\.sourceDepartment/],
  // Names that spell the platform's own roles and schemas, or Postgres's: refused so none can become one.
  ...['federation-admin', 'cross-dept-query', 'federation', 'postgres', 'pg-signal-backend', 'n8n', 'pg-anything'].map(
    (name): [string, object, RegExp] => [
      `reserved name ${name}`,
      department(name, validSpec),
      /metadata\.name is reserved/,
    ],
  ),
  // spec.oauth.secretRef may name only the department's own namespace or the OAuth clients namespace.
  ...['dept-hr', 'federation-system', 'kube-system', 'default'].map((namespace): [string, object, RegExp] => [
    `oauth secretRef in namespace ${namespace}`,
    department('legal', { ...validSpec, oauth: { secretRef: { name: 'google-oauth', namespace } } }),
    /spec\.oauth\.secretRef\.namespace/,
  ]),
];

describe('crds against the API server', () => {
  afterAll(async () => {
    // The OAuth clients namespace stays: other test files put their Secrets there (its name is fixed by the CRD).
    const files = ['departments.yaml', 'grants.yaml'].flatMap((f) => ['-f', `${examplesDir}${f}`]);
    await kubectl(kubeconfig, ['delete', '--ignore-not-found', '--wait=false', ...files]);
  });

  it('accepts the examples', async () => {
    const out = await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', examplesDir]);
    expect(out).toMatch(/department\.federation\.synrg\.io\/hr serverside-applied/);
    expect(out).toMatch(/crossdepartmentgrant\.federation\.synrg\.io\/hr-searches-sales-documents serverside-applied/);
  });

  it('applies the schema defaults on the server', async () => {
    await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', examplesDir]);
    const accounting = JSON.parse(await kubectlOk(kubeconfig, ['get', 'dept', 'accounting', '-o', 'json']));
    expect(accounting.spec).toMatchObject({
      deletionPolicy: 'Delete',
      suspend: false,
      llm: { provider: 'cerebras', temperature: 0.7 },
    });
  });

  it.each(invalid)('refuses %s, naming the field', async (_title, manifest, field) => {
    const result = await kubectl(kubeconfig, ['create', '-f', '-'], stringify(manifest));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /is invalid|Invalid value|Required value|Unsupported value|Duplicate value|Forbidden/,
    );
    expect(result.stderr).toMatch(field);
  });

  it('accepts an oauth secretRef in the department’s own namespace, and refuses changing it to another', async () => {
    const ref = (namespace: string) => ({ ...validSpec, oauth: { secretRef: { name: 'google-oauth', namespace } } });
    await kubectlOk(kubeconfig, ['create', '-f', '-'], stringify(department('own-ref', ref('dept-own-ref'))));
    try {
      const changed = await kubectl(kubeconfig, [
        'patch',
        'dept',
        'own-ref',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: ref('dept-hr') }),
      ]);
      expect(changed.code).not.toBe(0);
      expect(changed.stderr).toMatch(/spec\.oauth\.secretRef\.namespace/);
      // Anything but the spec (labels, status, finalizers) still goes through.
      await kubectlOk(kubeconfig, ['label', 'dept', 'own-ref', 'team=legal']);
    } finally {
      await kubectl(kubeconfig, ['delete', '--ignore-not-found', 'dept', 'own-ref']);
    }
  });

  it('shows the printer columns in kubectl get dept and cdg', async () => {
    await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', examplesDir]);
    const depts = await kubectlOk(kubeconfig, ['get', 'dept']);
    expect(depts.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+READY\s+URL\s+AGE$/);
    expect(depts).toMatch(/^hr\s/m);
    const grants = await kubectlOk(kubeconfig, ['get', 'cdg']);
    expect(grants.split('\n')[0]).toMatch(/^NAME\s+SOURCE\s+TARGET\s+READY\s+AGE$/);
    expect(grants).toMatch(/^hr-searches-sales-documents\s+hr\s+sales\s/m);
  });

  it("shows the Ready condition's reason and message with -o wide, and the conditions in dependency order", async () => {
    const name = `wide-${randomBytes(3).toString('hex')}`;
    await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], stringify(department(name, validSpec)));
    try {
      const outcome = (component: string, conditionType: string, status: 'True' | 'False', message: string) => ({
        component: { name: component, conditionType } as Component,
        result: { condition: { status, reason: status === 'True' ? 'Succeeded' : 'ApplyFailed', message } },
      });
      // As the reconciler writes it: the components' outcomes in dependency order, the database failing.
      const outcomes = [
        outcome('namespace', 'NamespaceReady', 'True', 'namespace exists'),
        outcome('database', 'DatabaseReady', 'False', 'role dept_x_role: connection refused'),
        outcome('runtime', 'RuntimeReady', 'True', 'deployed'),
        outcome('agent-health', 'AgentHealthy', 'True', 'healthy'),
      ];
      const conditions = componentConditions([], outcomes, summarize(outcomes), 1, new Date());
      await kubectlOk(kubeconfig, [
        'patch',
        'dept',
        name,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { phase: 'Provisioning', conditions } }),
      ]);

      const narrow = await kubectlOk(kubeconfig, ['get', 'dept', name]);
      expect(narrow.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+READY\s+URL\s+AGE$/);
      const wide = (await kubectlOk(kubeconfig, ['get', 'dept', name, '-o', 'wide'])).split('\n');
      expect(wide[0]).toMatch(/^NAME\s+PHASE\s+READY\s+URL\s+AGE\s+REASON\s+MESSAGE$/);
      expect(wide[1]).toMatch(
        new RegExp(
          `^${name}\\s+Provisioning\\s+False\\s+.*\\sComponentFailed\\s+DatabaseReady: role dept_x_role: connection refused$`,
        ),
      );

      const described = await kubectlOk(kubeconfig, ['describe', 'dept', name]);
      const order = [...described.matchAll(/^\s+Type:\s+(\S+)$/gm)].map((m) => m[1]);
      expect(order).toEqual([
        'Ready',
        'Reconciling',
        'Stalled',
        'NamespaceReady',
        'DatabaseReady',
        'RuntimeReady',
        'AgentHealthy',
      ]);
    } finally {
      await kubectl(kubeconfig, ['delete', '--ignore-not-found', 'dept', name]);
    }
  });

  it('lists both kinds under the federation category', async () => {
    const out = await kubectlOk(kubeconfig, ['get', 'federation', '-o', 'name']);
    expect(out).toContain('department.federation.synrg.io/sales');
    expect(out).toContain('crossdepartmentgrant.federation.synrg.io/hr-searches-sales-documents');
  });

  it('explains fields with their descriptions', async () => {
    const out = await kubectlOk(kubeconfig, ['explain', 'department.spec.enabledTools']);
    expect(out).toContain('Tools the department');
    expect(out).toMatch(/file_download_email/);
    const grantOut = await kubectlOk(kubeconfig, ['explain', 'cdg.spec.expiresAt']);
    expect(grantOut).toContain('RFC 3339');
  });
});

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { kubectl } from '../e2e/testenv/kubectl.ts';

const kubeconfig = inject('kubeconfig');
const dir = fileURLToPath(new URL('.//', import.meta.url));

describe('deploy manifests', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s is accepted by the API server', async (file) => {
    // rbac.yaml creates the namespace the others live in; a server-side dry run validates each against the real API.
    await kubectl(kubeconfig, ['apply', '--server-side', '-f', `${dir}rbac.yaml`]);
    const result = await kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '-f', `${dir}${file}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeSecret } from '../../controller/platform/kube/secrets.ts';
import { TerminalError } from '../component.ts';
import { checkSecretOwner, checkSecretRefNamespace } from './secret-ref.ts';

function secret(namespace: string, labels?: Record<string, string>): KubeSecret {
  return {
    metadata: { name: 'google-oauth', namespace, uid: 'u', resourceVersion: '1', ...(labels ? { labels } : {}) },
  };
}

describe('checkSecretRefNamespace', () => {
  it('does allow the department’s own namespace and the clients namespace', () => {
    expect(() => checkSecretRefNamespace('hr', { name: 'x', namespace: 'dept-hr' })).not.toThrow();
    expect(() => checkSecretRefNamespace('hr', { name: 'x', namespace: 'federation-oauth-clients' })).not.toThrow();
  });

  it.each(['dept-sales', 'dept-hr-x', 'federation-system', 'kube-system', 'default'])(
    'does refuse %s with SecretRefForbidden',
    (namespace) => {
      const check = () => checkSecretRefNamespace('hr', { name: 'x', namespace });
      expect(check).toThrow(TerminalError);
      expect(check).toThrow(expect.objectContaining({ reason: 'SecretRefForbidden' }));
    },
  );
});

describe('checkSecretOwner', () => {
  const ref = { name: 'google-oauth', namespace: 'federation-oauth-clients' };

  it('does accept a clients-namespace Secret labelled for the department', () => {
    const labelled = secret(ref.namespace, { 'federation.synrg.io/department': 'hr' });
    expect(() => checkSecretOwner('hr', ref, labelled)).not.toThrow();
  });

  it('does refuse a clients-namespace Secret labelled for another department or not at all', () => {
    const other = secret(ref.namespace, { 'federation.synrg.io/department': 'sales' });
    expect(() => checkSecretOwner('hr', ref, other)).toThrow(expect.objectContaining({ reason: 'SecretRefForbidden' }));
    expect(() => checkSecretOwner('hr', ref, secret(ref.namespace))).toThrow(TerminalError);
  });

  it('does not ask for a label in the department’s own namespace', () => {
    expect(() => checkSecretOwner('hr', { name: 'x', namespace: 'dept-hr' }, secret('dept-hr'))).not.toThrow();
  });
});

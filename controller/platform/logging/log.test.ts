import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resourceOf } from '../../runtime/metrics.ts';
import { createLogger } from './log.ts';

describe('createLogger', () => {
  it('writes one JSON line per event and redacts secrets wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ component: 'test', level: 'info', destination: sink }).child({ department: 'hr' });
    log.info('connected', { password: 'hunter2', nested: { token: 'abc', client_secret: 'xyz' }, key: 'hr' });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: 'info',
      msg: 'connected',
      department: 'hr',
      key: 'hr',
      password: '[REDACTED]',
    });
    expect(lines[0]).not.toMatch(/hunter2|abc|xyz/);
  });

  it('redacts credentials inside messages and error strings, and names who logs', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ component: 'federation-gateway', level: 'info', destination: sink });
    log.error('connect postgres://gw:s3cret@db/fed failed', {
      error: 'password=hunter2 rejected',
      cause: new Error('Authorization: Bearer eyJhbGciOi.x.y'),
      detail: { reason: 'token: abc123' },
    });
    const entry = JSON.parse(lines[0] as string);
    expect(entry.component).toBe('federation-gateway');
    expect(lines[0]).not.toMatch(/s3cret|hunter2|eyJhbGciOi|abc123/);
  });
});

describe('resourceOf', () => {
  it('names the resource and subresource of a REST path', () => {
    expect(resourceOf('/apis/federation.synrg.io/v1alpha1/departments/hr/status')).toBe('departments/status');
    expect(resourceOf('/api/v1/namespaces/dept-hr')).toBe('namespaces');
    expect(resourceOf('/api/v1/namespaces/dept-hr/secrets/database')).toBe('secrets');
    expect(resourceOf('/apis/coordination.k8s.io/v1/namespaces/x/leases/y')).toBe('leases');
  });
});

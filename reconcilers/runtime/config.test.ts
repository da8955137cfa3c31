import { describe, expect, it } from 'vitest';
import { pulumiBackendFor, runtimeConfigFromEnv } from './config.ts';

const cli = { root: '/p', pulumiHome: '/h' };

describe('runtimeConfigFromEnv', () => {
  it('defaults the state backend to the platform database', () => {
    const c = runtimeConfigFromEnv({ DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/platform' }, cli);
    expect(c.backendUrl).toBe('postgres://u:p@127.0.0.1:5432/platform?sslmode=disable');
    expect(c.platformSecret).toEqual({ namespace: 'federation-system', name: 'runtime-platform' });
    expect(c.railwayUrl).toBe('https://backboard.railway.com/graphql/v2');
  });

  it('prefers PULUMI_BACKEND_URL', () => {
    const c = runtimeConfigFromEnv({ PULUMI_BACKEND_URL: 'file:///tmp/state', DATABASE_URL: 'postgres://x/y' }, cli);
    expect(c.backendUrl).toBe('file:///tmp/state');
  });

  it('names the missing pulumi CLI instead of building one', () => {
    expect(() => runtimeConfigFromEnv({ DATABASE_URL: 'postgres://x/y', PULUMI_CLI_ROOT: '/nonexistent' })).toThrow(
      'no pulumi CLI at /nonexistent/bin/pulumi: set PULUMI_CLI_ROOT',
    );
  });

  it('resolves the work dir to an absolute path', () => {
    const c = runtimeConfigFromEnv({ DATABASE_URL: 'postgres://x/y', RUNTIME_WORK_DIR: 'rel/dir' }, cli);
    expect(c.workRoot).toBe(`${process.cwd()}/rel/dir`);
  });

  it('refuses to run without a backend', () => {
    expect(() => runtimeConfigFromEnv({}, cli)).toThrow(/PULUMI_BACKEND_URL/);
  });
});

describe('pulumiBackendFor', () => {
  it('keeps an explicit sslmode and remote hosts as they are', () => {
    expect(pulumiBackendFor('postgres://db.example.com/p')).toBe('postgres://db.example.com/p');
    expect(pulumiBackendFor('postgres://localhost/p?sslmode=require')).toBe('postgres://localhost/p?sslmode=require');
  });
});

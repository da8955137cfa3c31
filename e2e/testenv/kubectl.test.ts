import { describe, expect, it } from 'vitest';
import { kubectl } from './kubectl.ts';

describe('kubectl', () => {
  it('does not raise EPIPE when kubectl exits before it reads its input', async () => {
    // kubectl may exit before its stdin is written, and the write's EPIPE must not escape the helper as an
    // uncaught exception. `version --client` never reads stdin; 8 MiB is more than a pipe buffers.
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const result = await kubectl('/nonexistent/kubeconfig', ['version', '--client'], 'x'.repeat(8 << 20));
      expect(result.code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', record);
    }
    expect(uncaught).toEqual([]);
  });

  it('runs a command that takes no input', async () => {
    const result = await kubectl('/nonexistent/kubeconfig', ['version', '--client']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Client Version/);
  });
});

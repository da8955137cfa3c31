import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/testenv/platform.ts';

/** The CommonJS module files under node_modules/@pulumi a fresh process has loaded after importing `modules`. */
async function pulumiModulesAfter(modules: string[]): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    for (const m of ${JSON.stringify(modules)}) await import(m);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(loaded.filter((f) => f.includes('/node_modules/@pulumi/'))));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: REPO_ROOT },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as string[];
}

describe('controller start-up', () => {
  // The SDK takes about 1 s to load on 2 cores, on the path to the controller's readiness; a restarted controller
  // whose stacks are up to date compares input digests and never needs it.
  it('loads the Pulumi SDK at the first engine run, not at start', async () => {
    const atStart = await pulumiModulesAfter([
      './controller/components.ts',
      './controller/runtime/manager.ts',
      './controller/department/controller.ts',
      './controller/grant/controller.ts',
    ]);
    expect(atStart).toEqual([]);
    // The same check sees the SDK once the program (what an engine run loads) is imported.
    const atEngineRun = await pulumiModulesAfter(['./pulumi/program.ts']);
    expect(atEngineRun.length).toBeGreaterThan(10);
  });
});

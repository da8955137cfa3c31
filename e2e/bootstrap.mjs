// Entry point of `npm start` and `npm test`: installs dependencies when they are missing or stale,
// then runs the platform or the test suite. Plain JavaScript so that it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const lock = `${root}package-lock.json`;
const installed = `${root}node_modules/.package-lock.json`;

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  const started = Date.now();
  console.log('[federation] installing dependencies (npm ci)');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`[federation] dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const [mode, ...rest] = process.argv.slice(2);
const commands = {
  // The launcher runs from the checkout's local build (e2e/platform/launcher.mjs).
  platform: async () => {
    const { launcherArgs } = await import('./platform/launcher.mjs');
    try {
      return [
        process.execPath,
        [...(await launcherArgs(root, (line) => console.log(`[federation] ${line}`))), ...rest],
      ];
    } catch (error) {
      console.error(`[federation] ${error.message}`);
      process.exit(1);
    }
  },
  test: async () => [process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', ...rest]],
};
if (!commands[mode]) {
  console.error(`usage: bootstrap.mjs ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
const command = await commands[mode]();
const child = spawn(command[0], command[1], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; SIGTERM is passed on explicitly.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

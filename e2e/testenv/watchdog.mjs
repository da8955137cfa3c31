// Outlives its parent: when the IPC channel to the parent closes (normal exit, crash or SIGKILL),
// it stops every process the parent registered and removes the registered directories.
import { rmSync } from 'node:fs';

const pids = new Set();
const dirs = new Set();

process.on('message', (msg) => {
  if (msg.type === 'track') pids.add(msg.pid);
  else if (msg.type === 'untrack') pids.delete(msg.pid);
  else if (msg.type === 'dir') dirs.add(msg.path);
  else if (msg.type === 'undir') dirs.delete(msg.path);
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid, sig) {
  try {
    process.kill(-pid, sig); // the process group: servers are started detached, as group leaders
  } catch {}
  try {
    process.kill(pid, sig);
  } catch {}
}

process.on('disconnect', async () => {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
  process.exit(0);
});

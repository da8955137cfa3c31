// Outlives its parent: when the IPC channel to the parent closes (normal exit, crash or SIGKILL), it stops every
// server the parent started and removes the registered directories. A server is known by its identity (pid and
// start time), never by its pid alone: after the parent's death a pid may have been reused by a stranger.
// argv[2]: the FEDERATION_SERVER_OF value the parent's servers (and what they start) carry.
import { rmSync } from 'node:fs';
import { isRunning, listStats, serverProcesses, stopProcesses } from './process-identity.mjs';

const marker = process.argv[2];
/** The servers the parent tracks, by pid; each started detached, as the leader of its own process group. */
const servers = new Map();
const dirs = new Set();

/**
 * The tracked servers still running with the members of their process groups (a group lives as long as its
 * leader, so its members are the server's), and every process carrying the parent's marker.
 */
function remaining() {
  const leaders = [...servers.values()].filter(isRunning);
  const groups = new Set(leaders.map((id) => id.pid));
  const found = new Map(leaders.map((id) => [id.pid, id]));
  for (const s of listStats()) if (!s.zombie && groups.has(s.pgrp)) found.set(s.pid, { pid: s.pid, start: s.start });
  if (marker) for (const p of serverProcesses()) if (p.marker === marker) found.set(p.id.pid, p.id);
  return [...found.values()];
}

async function stopEverything() {
  await stopProcesses(remaining, 10_000, 5_000);
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
  process.exit(0);
}

process.on('message', (msg) => {
  if (msg.type === 'track') servers.set(msg.pid, { pid: msg.pid, start: msg.start });
  else if (msg.type === 'untrack' && servers.get(msg.pid)?.start === msg.start) servers.delete(msg.pid);
  else if (msg.type === 'dir') dirs.add(msg.path);
  else if (msg.type === 'undir') dirs.delete(msg.path);
});
process.on('disconnect', () => void stopEverything());
// Messages that arrive before the listeners exist are lost: the parent sends none before this one.
if (process.connected) process.send({ type: 'ready' });
else void stopEverything();

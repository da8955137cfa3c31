// A process told apart from a later one that reuses its pid: the pair (pid, start time), the start time being
// /proc/<pid>/stat field 22 (clock ticks after boot). Plain JavaScript: the watchdog (watchdog.mjs) runs it on
// plain Node, the launcher through its TypeScript callers.
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable every server of a platform carries: who started it, and on which kept state. */
export const SERVER_OF = 'FEDERATION_SERVER_OF';

/** What /proc/<pid>/stat says of `pid`, zombies included; undefined once the pid is free. */
export function readStat(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command (field 2) may hold spaces and parentheses: the fields after it start behind the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    zombie: fields[0] === 'Z',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    start: Number(fields[19]),
  };
}

/** Every pid in /proc with its stat (zombies included). */
export function listStats() {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(Number(d)))
    .filter((s) => s !== undefined);
}

/** The identity of `pid` while the pid is taken (a zombie still holds it): undefined once it is free. */
export function identityOf(pid) {
  const stat = readStat(pid);
  return stat ? { pid, start: stat.start } : undefined;
}

/** True while the process `id` names runs (not a zombie, and its pid not reused by another process). */
export function isRunning(id) {
  const stat = readStat(id.pid);
  return stat !== undefined && !stat.zombie && stat.start === id.start;
}

/** Sends `signal` to the process `id` names, only while it is that process; true when sent. */
export function signalProcess(id, signal) {
  if (!isRunning(id)) return false;
  try {
    process.kill(id.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** FEDERATION_SERVER_OF's value: the owner's identity and the kept state's data directory ('' without one). */
export function serverMarker(owner, dataDir = '') {
  return `${owner.pid}:${owner.start}:${dataDir}`;
}

/** The owner and data directory a FEDERATION_SERVER_OF value names; undefined for anything else. */
export function parseServerMarker(value) {
  const match = /^(\d+):(\d+):(.*)$/s.exec(value);
  return match ? { owner: { pid: Number(match[1]), start: Number(match[2]) }, dataDir: match[3] } : undefined;
}

/** Every running process carrying FEDERATION_SERVER_OF (whose environment this account may read). */
export function serverProcesses() {
  const found = [];
  for (const stat of listStats()) {
    if (stat.zombie) continue;
    let environ;
    try {
      environ = readFileSync(`/proc/${stat.pid}/environ`, 'utf8');
    } catch {
      continue; // gone, or another account's
    }
    const entry = environ.split('\0').find((e) => e.startsWith(`${SERVER_OF}=`));
    const marker = entry?.slice(SERVER_OF.length + 1);
    const parsed = marker === undefined ? undefined : parseServerMarker(marker);
    if (parsed) found.push({ id: { pid: stat.pid, start: stat.start }, marker, ...parsed });
  }
  return found;
}

/**
 * Stops the processes `find` returns (asked again on every round, each signalled by its identity): SIGTERM, up to
 * `graceMs` for them to go, then SIGKILL and up to `killMs` more. Returns those still running at the end.
 */
export async function stopProcesses(find, graceMs = 10_000, killMs = 5_000) {
  const sleep = () => new Promise((resolve) => setTimeout(resolve, 100));
  for (const [signal, waitMs] of [
    ['SIGTERM', graceMs],
    ['SIGKILL', killMs],
  ]) {
    // Each process gets the signal once, those found after it went out (a child forked meanwhile) too.
    const signalled = new Set();
    const signalNew = (ids) => {
      for (const id of ids) {
        const key = `${id.pid}:${id.start}`;
        if (!signalled.has(key) && signalProcess(id, signal)) signalled.add(key);
      }
    };
    let remaining = find();
    if (remaining.length === 0) return [];
    signalNew(remaining);
    const deadline = Date.now() + waitMs;
    while (remaining.length > 0 && Date.now() < deadline) {
      await sleep();
      remaining = find();
      signalNew(remaining);
    }
  }
  return find();
}

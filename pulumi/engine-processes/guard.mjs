// Ties an engine process's life to its parent's, SIGKILL of the parent included (Node has no prctl
// PR_SET_PDEATHSIG, so the parent pid is watched instead), and to the controller's named in
// FEDERATION_ENGINE_OWNER (`<pid>@<start time>`, see owner.ts), which also covers a parent that died before this
// process could look at it. Plain JavaScript: it starts with every `pulumi` command, where a TypeScript loader
// would add a third of a second.
//
//   node guard.mjs <command> [args...]   runs the command in its own process group, passes signals on, and kills
//                                        the group when the command exits or when this process's parent dies
//                                        (the Pulumi CLI, started by the controller through a private bin/pulumi);
//   node --import guard.mjs <script>     exits this Node process when its parent dies (the provider plugins,
//                                        which the Pulumi engine starts in their own process groups).
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const POLL_MS = 500;
const GRACE_MS = 3000;
/**
 * How long the command may take to end after a forwarded SIGINT or SIGTERM before its group is SIGKILLed
 * (FEDERATION_ENGINE_STOP_GRACE_MS, default 20 s).
 */
const STOP_GRACE_MS = Number(process.env.FEDERATION_ENGINE_STOP_GRACE_MS) || 20_000;

/** Whether the process named by an owner token (`<pid>@<start time>` or `<pid>`) is gone. */
function ownerGone(token) {
  const [pid, startTime] = token.split('@');
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || (startTime !== undefined && fields[19] !== startTime);
  } catch {
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (error) {
      return error.code !== 'EPERM';
    }
  }
}

/** Calls `onOrphaned` once when the parent that started this process, or the owning controller, is gone. */
function watchParent(onOrphaned) {
  const parent = process.ppid;
  const owner = process.env.FEDERATION_ENGINE_OWNER;
  const orphaned = () => process.ppid !== parent || (owner !== undefined && ownerGone(owner));
  const timer = setInterval(() => {
    if (!orphaned()) return;
    clearInterval(timer);
    onOrphaned();
  }, POLL_MS);
  timer.unref();
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already empty
  }
}

function runGuarded(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', detached: true });
  const forward = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let stopping = false;
  for (const signal of forward) {
    process.on(signal, () => {
      signalGroup(child.pid, signal);
      // A cancelled engine run (the Automation API's abort sends SIGINT) waits for its in-flight provider calls;
      // one that never ends would hold the stack, so the group is killed after the grace period.
      if (stopping) return;
      stopping = true;
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), STOP_GRACE_MS);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(`guard: could not start ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    signalGroup(child.pid, 'SIGKILL'); // whatever the command left running in its group
    if (code !== null) process.exit(code);
    for (const s of forward) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
  watchParent(() => {
    signalGroup(child.pid, 'SIGTERM');
    setTimeout(() => {
      signalGroup(child.pid, 'SIGKILL');
      process.exit(1);
    }, GRACE_MS).unref();
  });
}

function isMain() {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write('usage: node guard.mjs <command> [args...]\n');
    process.exit(2);
  }
  runGuarded(command, args);
} else {
  watchParent(() => process.exit(1));
}

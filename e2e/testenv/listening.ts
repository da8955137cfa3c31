import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One socket a process listens on (TCP LISTEN) or receives on (bound UDP), as the kernel reports it. */
export interface ListeningSocket {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
}

/** /proc/net's hex address (little-endian words) as text: 0100007F -> 127.0.0.1, IPv6 as eight groups. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/**
 * Every socket `pid` listens on, read from /proc (no `ss` needed): its socket inodes from /proc/<pid>/fd, their
 * local addresses from /proc/net/{tcp,tcp6,udp,udp6} (TCP in state 0A, LISTEN; UDP bound, state 07).
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // the descriptor closed while listing
    }
  }
  const found: ListeningSocket[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const lines = readFileSync(`/proc/net/${protocol}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      const [local, state, inode] = [f[1], f[3], f[9]];
      if (!local || !inode || !inodes.has(inode)) continue;
      if (protocol.startsWith('tcp') ? state !== '0A' : state !== '07') continue;
      const [addr, port] = local.split(':') as [string, string];
      found.push({ protocol, address: decodeAddress(addr), port: Number.parseInt(port, 16) });
    }
  }
  return found;
}

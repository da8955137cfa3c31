/** Types of process-identity.mjs (plain JavaScript, as the watchdog runs it on plain Node). */
export interface ProcessId {
  pid: number;
  /** /proc/<pid>/stat field 22: clock ticks after boot. */
  start: number;
}
export interface ProcessStat extends ProcessId {
  zombie: boolean;
  ppid: number;
  pgrp: number;
}
export interface ServerProcess {
  id: ProcessId;
  marker: string;
  owner: ProcessId;
  dataDir: string;
}
export const SERVER_OF: 'FEDERATION_SERVER_OF';
export function readStat(pid: number): ProcessStat | undefined;
export function listStats(): ProcessStat[];
export function identityOf(pid: number): ProcessId | undefined;
export function isRunning(id: ProcessId): boolean;
export function signalProcess(id: ProcessId, signal: NodeJS.Signals): boolean;
export function serverMarker(owner: ProcessId, dataDir?: string): string;
export function parseServerMarker(value: string): { owner: ProcessId; dataDir: string } | undefined;
export function serverProcesses(): ServerProcess[];
export function stopProcesses(find: () => ProcessId[], graceMs?: number, killMs?: number): Promise<ProcessId[]>;

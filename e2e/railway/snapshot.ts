import { existsSync, readFileSync } from 'node:fs';
import { writeWholeSync } from '../testenv/write-whole.ts';
import { RailwayState } from './state.ts';

const MAPS = ['projects', 'services', 'variables', 'domains', 'deployments'] as const;

/** The local Railway server's world as it was when last written (empty when there is no file yet). */
export function loadSnapshot(file: string): RailwayState {
  const state = new RailwayState();
  if (!existsSync(file)) return state;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<(typeof MAPS)[number], [string, never][]>;
  for (const name of MAPS) for (const [k, v] of saved[name] ?? []) state[name].set(k, v);
  return state;
}

/** Written after every mutation, atomically (a SIGKILL mid-write leaves the previous snapshot). */
export function saveSnapshot(state: RailwayState, file: string): void {
  const saved = Object.fromEntries(MAPS.map((name) => [name, [...state[name].entries()]]));
  writeWholeSync(file, JSON.stringify(saved));
}

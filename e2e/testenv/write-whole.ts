import { renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes `file` whole: a reader that opens it as soon as it exists sees all of it, never a part, and a SIGKILL
 * mid-write leaves the previous version (a temporary file beside it, renamed over it; rename is atomic within a
 * directory). Owner-only by default: what the platform writes holds credentials or points at them.
 */
export async function writeWhole(file: string, text: string, mode = 0o600): Promise<void> {
  await writeFile(`${file}.tmp`, text, { mode });
  await rename(`${file}.tmp`, file);
}

/** writeWhole for callers that must not yield (the local Railway server saves its state inside a mutation). */
export function writeWholeSync(file: string, text: string, mode = 0o600): void {
  writeFileSync(`${file}.tmp`, text, { mode });
  renameSync(`${file}.tmp`, file);
}

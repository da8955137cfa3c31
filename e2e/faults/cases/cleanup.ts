import { expect } from 'vitest';
import { deleteDepartments, orphansOf, waitGone } from '../departments.ts';
import type { FaultPlatform } from '../platform.ts';
import { leftoverAfter } from '../processes-check.ts';

/** Deletes a case's departments and checks that nothing of them is left, nor any engine process. */
export async function deleteAndExpectNoOrphans(
  fp: FaultPlatform,
  depts: string[],
  timeoutMs = 180_000,
): Promise<number> {
  await deleteDepartments(fp, depts);
  const took = await waitGone(fp, depts, timeoutMs);
  expect(await orphansOf(fp, depts)).toEqual([]);
  expect(await leftoverAfter(fp)).toEqual([]);
  return took;
}

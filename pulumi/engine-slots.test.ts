import { describe, expect, it } from 'vitest';
import { CONTROLLER_MIB, ENGINE_MIB, engineSlots } from './stack.ts';

const MiB = 1024 ** 2;
const GiB = 1024 * MiB;

describe('engineSlots', () => {
  it('keeps the configured count when memory allows it', () => {
    expect(engineSlots(4, 24 * GiB)).toBe(4);
  });

  it('bounds engine runs to what the memory limit holds beside the controller', () => {
    // 2 GiB pod: 512 MiB for the controller, 1536 MiB for engine runs of 384 MiB each.
    expect(engineSlots(8, 2 * GiB)).toBe(4);
    expect(engineSlots(8, (CONTROLLER_MIB + 3 * ENGINE_MIB) * MiB)).toBe(3);
    expect(engineSlots(8, (CONTROLLER_MIB + 3 * ENGINE_MIB - 1) * MiB)).toBe(2);
  });

  it('always allows one run', () => {
    expect(engineSlots(4, 512 * MiB)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { engineSlots } from './stack.ts';

const GiB = 1024 ** 3;

describe('engineSlots', () => {
  it('keeps the configured count when memory allows it', () => {
    expect(engineSlots(4, 24 * GiB)).toBe(4);
  });

  it('bounds engine runs to what half the memory limit holds', () => {
    // 4 GiB pod: 2 GiB for engines of 768 MiB each.
    expect(engineSlots(8, 4 * GiB)).toBe(2);
  });

  it('always allows one run', () => {
    expect(engineSlots(4, 512 * 1024 ** 2)).toBe(1);
  });
});

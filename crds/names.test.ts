import { describe, expect, it } from 'vitest';
import { departmentShard, pinnedShard } from './names.ts';

describe('departmentShard', () => {
  it('gives every name the same shard on every call, and shard 0 when there is one shard', () => {
    expect(departmentShard('human-resources', 2)).toBe(departmentShard('human-resources', 2));
    expect(departmentShard('human-resources', 1)).toBe(0);
    expect(departmentShard('human-resources', 1, '1')).toBe(0);
  });

  it('spreads 1000 names over 2 shards with each getting 40-60 %, and over 3 shards with each getting 25-42 %', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `dept-${i}`);
    const shares = (shards: number) =>
      Array.from({ length: shards }, (_, s) => names.filter((n) => departmentShard(n, shards) === s).length);
    const two = shares(2);
    expect(Math.min(...two)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...two)).toBeLessThanOrEqual(600);
    const three = shares(3);
    expect(Math.min(...three)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...three)).toBeLessThanOrEqual(420);
  });

  it('follows a valid shard label over the hash', () => {
    const name = 'finance';
    const hashed = departmentShard(name, 2);
    expect(departmentShard(name, 2, String(1 - hashed))).toBe(1 - hashed);
    expect(departmentShard(name, 4, '3')).toBe(3);
  });

  it('ignores a shard label that is out of range or not a number', () => {
    const hashed = departmentShard('finance', 2);
    for (const bad of ['2', '-1', '01', 'one', '', '1.0', ' 1']) {
      expect(pinnedShard(bad, 2)).toBeUndefined();
      expect(departmentShard('finance', 2, bad)).toBe(hashed);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { gatewaySettings } from './settings.ts';

describe('gateway settings', () => {
  const url = { GATEWAY_DATABASE_URL: 'postgres://gateway@db/federation' };

  it('does size the database pool from DATABASE_POOL_MAX, 20 when unset', () => {
    expect(gatewaySettings.parse(url).DATABASE_POOL_MAX).toBe(20);
    expect(gatewaySettings.parse({ ...url, DATABASE_POOL_MAX: '4' }).DATABASE_POOL_MAX).toBe(4);
  });

  it('does refuse a pool of no connections or of no number', () => {
    for (const bad of ['0', '-3', 'four', '2.5']) {
      const result = gatewaySettings.safeParse({ ...url, DATABASE_POOL_MAX: bad });
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['DATABASE_POOL_MAX']);
    }
  });
});

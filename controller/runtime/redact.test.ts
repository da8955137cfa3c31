import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it('does hide the credentials of URLs, bearer tokens and key=value secrets', () => {
    expect(redactSecrets('connect postgres://app:pw@db:5432/x failed')).toBe(
      'connect postgres://[REDACTED]@db:5432/x failed',
    );
    expect(redactSecrets('Authorization: Bearer eyJ.abc-def')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactSecrets('password="a b" token: t0k api_key=k')).toBe(
      'password=[REDACTED] token: [REDACTED] api_key=[REDACTED]',
    );
  });

  it('does hide every secret value it is given, the longest first', () => {
    expect(redactSecrets('Not Authorized for tok-12345678 (tok-1234)', ['tok-1234', 'tok-12345678'])).toBe(
      'Not Authorized for [REDACTED] ([REDACTED])',
    );
  });

  it('does leave values under 4 characters, which would blank ordinary words', () => {
    expect(redactSecrets('the abc of it', ['abc'])).toBe('the abc of it');
  });
});

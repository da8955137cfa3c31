import { describe, expect, it } from 'vitest';
import { engineFailure, redact } from './redact.ts';

describe('redact', () => {
  it('hides secret values and URL passwords', () => {
    expect(redact('token s3cr3t-value at postgres://u:pw@h/db', ['s3cr3t-value'])).toBe(
      'token **** at postgres://u:****@h/db',
    );
  });
});

describe('engineFailure', () => {
  it('keeps the error lines, redacted', () => {
    const e = new Error('stdout noise\n  error: Railway ProjectCreate failed: boom key=abcd1234\nmore noise');
    expect(engineFailure(e, ['abcd1234'])).toBe('error: Railway ProjectCreate failed: boom key=****');
  });
});

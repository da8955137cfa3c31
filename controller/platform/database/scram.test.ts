import { describe, expect, it } from 'vitest';
import { generatePassword, isGeneratedPassword, isScramVerifier, scramVerifier, verifierMatches } from './scram.ts';

describe('scram', () => {
  it('does generate 43-character URL-safe passwords', () => {
    const password = generatePassword();
    expect(password).toHaveLength(43);
    expect(isGeneratedPassword(password)).toBe(true);
    expect(generatePassword()).not.toBe(password);
  });

  it('does build a verifier that matches its password only', () => {
    const verifier = scramVerifier('correct horse');
    expect(isScramVerifier(verifier)).toBe(true);
    expect(verifier).not.toContain('correct horse');
    expect(verifierMatches(verifier, 'correct horse')).toBe(true);
    expect(verifierMatches(verifier, 'wrong')).toBe(false);
    expect(verifierMatches('md5abc', 'correct horse')).toBe(false);
    expect(verifierMatches(null, 'correct horse')).toBe(false);
  });
});

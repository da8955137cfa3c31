import { describe, expect, it } from 'vitest';
import { CHUNK_CHARS, CHUNK_OVERLAP, chunkText } from './chunk.ts';

describe('chunkText', () => {
  it('does keep a short text as one chunk with its whitespace collapsed', () => {
    expect(chunkText('  Leave   policy.\r\n\r\n\r\n\r\nStaff get 25 days.  ')).toEqual([
      'Leave policy.\n\nStaff get 25 days.',
    ]);
    expect(chunkText(' \n ')).toEqual([]);
  });

  it('does split a long text at sentence ends into overlapping chunks that cover all of it', () => {
    const sentences = Array.from({ length: 120 }, (_, i) => `Sentence number ${i} says something.`);
    const chunks = chunkText(sentences.join(' '));
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(CHUNK_CHARS);
    for (const c of chunks.slice(0, -1)) expect(c).toMatch(/\.$/);
    for (const s of sentences) expect(chunks.some((c) => c.includes(s))).toBe(true);
    const [first, second] = chunks as [string, string];
    expect(first.slice(-CHUNK_OVERLAP - 1)).toContain(second.slice(0, 30));
  });

  it('does cut a text without breaks at CHUNK_CHARS', () => {
    const chunks = chunkText('x'.repeat(CHUNK_CHARS * 2));
    expect(chunks[0]).toHaveLength(CHUNK_CHARS);
    expect(chunks.join('').length).toBeGreaterThanOrEqual(CHUNK_CHARS * 2);
  });
});

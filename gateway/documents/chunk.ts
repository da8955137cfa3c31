/** Target length of one chunk in characters; a chunk ends at a paragraph or sentence break when one is near. */
export const CHUNK_CHARS = 1200;
/** Characters a chunk repeats from the end of the one before, so a sentence cut at a border is found in one. */
export const CHUNK_OVERLAP = 150;

/**
 * Splits a document's text into chunks of at most CHUNK_CHARS characters for embedding, each starting
 * CHUNK_OVERLAP characters before the previous one ended. A chunk prefers to end at a paragraph break, then at
 * a sentence end, then at a space, within its last third; whitespace is collapsed.
 */
export function chunkText(text: string): string[] {
  const clean = text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (clean.length <= CHUNK_CHARS) return clean ? [clean] : [];
  const chunks: string[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = Math.min(start + CHUNK_CHARS, clean.length);
    if (end < clean.length) end = breakBefore(clean, start + Math.floor((CHUNK_CHARS * 2) / 3), end);
    const chunk = clean.slice(start, end).trim();
    if (chunk) chunks.push(chunk);
    if (end >= clean.length) break;
    start = Math.max(end - CHUNK_OVERLAP, start + 1);
  }
  return chunks;
}

/** The best place to end a chunk in [from, to): after a paragraph break, a sentence end or a space. */
function breakBefore(text: string, from: number, to: number): number {
  const window = text.slice(from, to);
  for (const pattern of [/\n\n/g, /[.!?]\s/g, /\s/g]) {
    let last = -1;
    for (const m of window.matchAll(pattern)) last = (m.index ?? 0) + m[0].length;
    if (last > 0) return from + last;
  }
  return to;
}

import { z } from 'zod';
import { searchParams } from '../../crds/cross-department-query.ts';

/** A document a department adds to its own store: stored whole for full-text search, chunked for embeddings. */
export const ingestRequest = z
  .object({
    document_id: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._~-]+$/, 'must be letters, digits, . _ ~ or -')
      .optional()
      .describe('The caller’s id for the document; adding it again replaces it. A new id when unset.'),
    title: z.string().trim().min(1).max(255).describe('Title (at most 255 characters).'),
    text: z
      .string()
      .min(1)
      .max(1_000_000)
      .refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes')
      .refine((s) => s.trim().length > 0, 'must not be blank')
      .describe('The document’s plain text (at most 1,000,000 characters).'),
    mime_type: z
      .string()
      .max(100)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as text/plain')
      .default('text/plain')
      .describe('Media type of the original (default text/plain).'),
    url: z.url().max(2048).optional().describe('Where the original can be opened.'),
  })
  .strict();
export type IngestRequest = z.infer<typeof ingestRequest>;

/** A search of the department's own documents: the same parameters as a cross-department search. */
export const documentSearchRequest = searchParams;
export type DocumentSearchRequest = z.infer<typeof documentSearchRequest>;

/** How a search ranked its results: by embeddings' cosine similarity, or full-text when it had none to use. */
export const SEARCH_METHODS = ['cosine', 'text'] as const;
export type SearchMethod = (typeof SEARCH_METHODS)[number];

export const ingestResponse = z.object({
  document_id: z.string().describe('Stored id (upload:<document_id>); search_documents results carry it as id.'),
  created: z.boolean().describe('false when it replaced a document with the same id.'),
  chunks_embedded: z.number().int().describe('Chunks stored with an embedding (0: full-text search only).'),
  embedding_model: z.string().nullable(),
  note: z.string().describe('How searches will find the document, in a sentence.'),
});

export const documentSearchResponse = z.object({
  search: z.enum(SEARCH_METHODS).describe('cosine: ranked by embeddings; text: full-text search.'),
  note: z.string().describe('How the results were ranked; says why when it fell back to text.'),
  results: z.array(z.record(z.string(), z.unknown())),
  results_count: z.number().int(),
});

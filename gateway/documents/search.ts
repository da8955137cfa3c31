import type pg from 'pg';
import { querySql } from '../query/sql.ts';
import { asAdmin } from './admin-transaction.ts';
import { type EmbeddingProviders, embed, endpointFor } from './embeddings.ts';
import type { DocumentSearchRequest, SearchMethod } from './schemas.ts';
import { cosineSearchSql, hasEmbeddingsSql, PGVECTOR_SQL } from './sql.ts';

export interface SearchAnswer {
  search: SearchMethod;
  /** How the results were ranked, in a sentence the agent can repeat (says so when it fell back to text). */
  note: string;
  results: Record<string, unknown>[];
}

/**
 * Searches one department's own documents: by cosine similarity of the query's embedding to its chunks' when
 * its LLM provider has an embeddings API here and chunks embedded with that model exist; otherwise full-text
 * over drive_document_repository, and the note says why.
 */
export async function searchDocuments(
  pool: pg.Pool,
  providers: EmbeddingProviders,
  department: { id: string; provider: string },
  request: DocumentSearchRequest,
  signal?: AbortSignal,
): Promise<SearchAnswer> {
  const chosen = endpointFor(providers, department.provider);
  let fallback: string;
  if ('endpoint' in chosen) {
    const { model } = chosen.endpoint;
    const found = await asAdmin(pool, async (client) => {
      const present = await client.query<{ present: boolean }>(hasEmbeddingsSql(department.id), [model]);
      const pgvector = await client.query<{ installed: boolean }>(PGVECTOR_SQL);
      return { present: present.rows[0]?.present === true, pgvector: pgvector.rows[0]?.installed === true };
    });
    if (found.present) {
      const [vector] = await embed(chosen.endpoint, [request.query], signal);
      const results = await asAdmin(pool, async (client) => {
        const sql = cosineSearchSql(department.id, found.pgvector ? 'pgvector' : 'sql');
        return (await client.query(sql, [vector, model, request.limit])).rows;
      });
      return {
        search: 'cosine',
        note: `Ranked by cosine similarity of ${model} embeddings (${found.pgvector ? 'pgvector' : 'computed in SQL; pgvector is not installed'}).`,
        results,
      };
    }
    fallback = `no document of this department has ${model} embeddings yet`;
  } else {
    fallback = chosen.reason;
  }
  const results = await asAdmin(pool, async (client) => {
    const { rows } = await client.query(querySql(department.id, 'search_documents'), [request.query, request.limit]);
    return rows;
  });
  return { search: 'text', note: `Fell back to full-text search: ${fallback}.`, results };
}

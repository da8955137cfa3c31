import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { asAdmin } from './admin-transaction.ts';
import { chunkText } from './chunk.ts';
import { type EmbeddingProviders, embed, endpointFor } from './embeddings.ts';
import type { IngestRequest } from './schemas.ts';
import { deleteChunksSql, insertChunksSql, UPLOAD_PREFIX, upsertDocumentSql } from './sql.ts';

export interface IngestResult {
  document_id: string;
  created: boolean;
  /** Chunks stored with an embedding (0 when the department's provider has none). */
  chunks_embedded: number;
  embedding_model: string | null;
  /** How the department's searches will find this document, in a sentence. */
  note: string;
}

/**
 * Stores the document whole in drive_document_repository (its search_vector makes it full-text searchable,
 * also to granted departments' search_documents) and, when the department's LLM provider has an embeddings
 * API here, its chunks with their embeddings in vector_store_embeddings. Embeddings are fetched before the
 * transaction; a provider failure stores nothing.
 */
export async function ingestDocument(
  pool: pg.Pool,
  providers: EmbeddingProviders,
  department: { id: string; provider: string },
  doc: IngestRequest,
  signal?: AbortSignal,
): Promise<IngestResult> {
  const id = `${UPLOAD_PREFIX}${doc.document_id ?? randomUUID()}`;
  const chosen = endpointFor(providers, department.provider);
  let chunks: { content: string; embedding: number[] }[] = [];
  if ('endpoint' in chosen) {
    const texts = chunkText(doc.text);
    const vectors = await embed(chosen.endpoint, texts, signal);
    chunks = texts.map((content, i) => ({ content, embedding: vectors[i] as number[] }));
  }
  const created = await asAdmin(pool, async (client) => {
    const { rows } = await client.query<{ created: boolean }>(upsertDocumentSql(department.id), [
      id,
      doc.title,
      doc.mime_type,
      Buffer.byteLength(doc.text, 'utf8'),
      doc.url ?? null,
      doc.text,
    ]);
    await client.query(deleteChunksSql(department.id), [id]);
    if (chunks.length > 0 && 'endpoint' in chosen) {
      await client.query(insertChunksSql(department.id), [
        id,
        JSON.stringify(chunks),
        chosen.endpoint.model,
        doc.title,
      ]);
    }
    return rows[0]?.created ?? false;
  });
  return {
    document_id: id,
    created,
    chunks_embedded: chunks.length,
    embedding_model: 'endpoint' in chosen ? chosen.endpoint.model : null,
    note:
      'endpoint' in chosen
        ? `Stored for full-text search and as ${chunks.length} chunks embedded with ${chosen.endpoint.model}.`
        : `Stored for full-text search only: ${chosen.reason}.`,
  };
}

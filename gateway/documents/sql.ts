import { escapeIdentifier } from 'pg';
import { tenantSchemaFor } from '../../crds/names.ts';

/** drive_folder_id of documents added through the gateway (Drive documents carry their folder's id). */
export const UPLOAD_FOLDER = 'gateway-upload';
/** drive_file_id prefix of documents added through the gateway, so they never collide with a Drive file id. */
export const UPLOAD_PREFIX = 'upload:';

const schema = (department: string) => escapeIdentifier(tenantSchemaFor(department));

/** The department's state and LLM provider (its spec, as the controller records it). */
export const DEPARTMENT_SQL = `
  SELECT d.status, coalesce(d.config->'llm'->>'provider', 'cerebras') AS provider
    FROM (SELECT 1) one LEFT JOIN federation.departments d ON d.department_id = $1`;

/** Whether pgvector is installed in this database (then its `<=>` operator ranks the embeddings). */
export const PGVECTOR_SQL = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS installed";

/** $1 id, $2 title, $3 mime type, $4 size in bytes, $5 url, $6 text; the search_vector column follows the text. */
export const upsertDocumentSql = (department: string) => `
  INSERT INTO ${schema(department)}.drive_document_repository AS d
    (drive_file_id, drive_folder_id, file_name, mime_type, file_size_bytes, web_view_link, drive_modified_time,
     extracted_text, text_length, extraction_method, extraction_status)
  VALUES ($1, '${UPLOAD_FOLDER}', $2, $3, $4, $5, now(), $6, length($6), 'gateway', 'completed')
  ON CONFLICT (drive_file_id) DO UPDATE SET
    file_name = EXCLUDED.file_name, mime_type = EXCLUDED.mime_type, file_size_bytes = EXCLUDED.file_size_bytes,
    web_view_link = EXCLUDED.web_view_link, drive_modified_time = EXCLUDED.drive_modified_time,
    extracted_text = EXCLUDED.extracted_text, text_length = EXCLUDED.text_length, updated_at = now()
  RETURNING (xmax = 0) AS created`;

/** $1 the document id: its chunks go before new ones are written. */
export const deleteChunksSql = (department: string) => `
  DELETE FROM ${schema(department)}.vector_store_embeddings WHERE source_type = 'document' AND source_id = $1`;

/** $1 id, $2 JSON array of {content, embedding}, $3 model, $4 title: one row per chunk, in order. */
export const insertChunksSql = (department: string) => `
  INSERT INTO ${schema(department)}.vector_store_embeddings
    (source_type, source_id, chunk_index, content, embedding, embedding_model, dimensions, metadata)
  SELECT 'document', $1, (x.ord - 1)::int, x.item->>'content',
         ARRAY(SELECT v::real FROM jsonb_array_elements_text(x.item->'embedding') WITH ORDINALITY AS e(v, n) ORDER BY n),
         $3, jsonb_array_length(x.item->'embedding'), jsonb_build_object('title', $4::text)
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(item, ord)`;

/** $1 the model: whether any chunk of the department has an embedding from it. */
export const hasEmbeddingsSql = (department: string) => `
  SELECT EXISTS (SELECT 1 FROM ${schema(department)}.vector_store_embeddings WHERE embedding_model = $1) AS present`;

const similarity = {
  // pgvector's cosine distance over the stored REAL[] cast to vector.
  pgvector: () => '1 - (e.embedding::vector <=> $1::real[]::vector)',
  // The same cosine similarity in plain SQL, for a Postgres without pgvector.
  sql: () => `(SELECT sum(a::float8 * b) / nullif(sqrt(sum(a::float8 * a)) * sqrt(sum(b::float8 * b)), 0)
                FROM unnest(e.embedding, $1::real[]) AS v(a, b))`,
};

/** $1 the query's embedding, $2 the model, $3 the limit: the closest chunks first, with their document's title. */
export const cosineSearchSql = (department: string, via: keyof typeof similarity) => `
  SELECT e.source_id AS document_id, coalesce(d.file_name, e.metadata->>'title') AS title, e.chunk_index,
         e.content AS passage, round(s.score::numeric, 4)::float8 AS score
    FROM ${schema(department)}.vector_store_embeddings e
    LEFT JOIN ${schema(department)}.drive_document_repository d
      ON e.source_type = 'document' AND d.drive_file_id = e.source_id
    CROSS JOIN LATERAL (SELECT ${similarity[via]()} AS score) s
   WHERE e.embedding_model = $2 AND e.dimensions = cardinality($1::real[])
   ORDER BY s.score DESC NULLS LAST, e.id
   LIMIT $3`;

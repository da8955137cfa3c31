import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ProviderStandIns, startProviderStandIns } from '../e2e/providers/server.ts';
import { type GatewayTestbed, startTestbed } from '../e2e/support/gateway.ts';
import { tenantNames } from '../reconcilers/database/names.ts';
import { DEFAULT_EMBEDDING_MODEL } from './documents/embeddings.ts';

const LEAVE = {
  document_id: 'leave-policy',
  title: 'Annual leave policy',
  text: 'Every staff member receives twenty-five days of paid vacation per year, booked with the team lead.',
};
const EXPENSES = {
  document_id: 'expense-rules',
  title: 'Expense rules',
  text: 'Submit receipts for reimbursement by the fifth day of the following month.',
};

describe('department documents through the gateway', () => {
  let t: GatewayTestbed;
  let providers: ProviderStandIns;
  let hr: string;
  let sales: string;
  let plain: string;
  let app: ReturnType<GatewayTestbed['app']>;

  async function call(token: string, path: string, body: unknown, contentType = 'application/json') {
    const res = await app.request(`http://localhost/api/v1/departments/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { res, body: (await res.json()) as Record<string, unknown> };
  }

  const setProvider = (department: string, provider: string) =>
    t.db.pool.query(
      `UPDATE federation.departments SET config = jsonb_set(config, '{llm}', jsonb_build_object('provider', $2::text))
        WHERE department_id = $1`,
      [department, provider],
    );

  beforeAll(async () => {
    providers = await startProviderStandIns();
    t = await startTestbed({
      kubeconfig: inject('kubeconfig'),
      databaseUrl: inject('databaseUrl'),
      prefixes: ['hr', 'sales', 'plain'],
    });
    [hr, sales, plain] = t.departments as [string, string, string];
    await setProvider(hr, 'openai');
    await setProvider(sales, 'openai');
    await setProvider(plain, 'cerebras');
    app = t.app({
      embeddings: {
        openai: {
          baseUrl: providers.env.OPENAI_BASE_URL,
          apiKey: 'sk-embeddings-test',
          model: DEFAULT_EMBEDDING_MODEL,
        },
      },
    });
  });

  afterAll(async () => {
    await t?.stop();
    await providers?.stop();
  });

  it('does store an added document whole, chunked and embedded through the department provider', async () => {
    const { res, body } = await call(await t.token(hr), `${hr}/documents`, LEAVE);
    expect(res.status).toBe(201);
    expect(body).toMatchObject({
      document_id: 'upload:leave-policy',
      created: true,
      chunks_embedded: 1,
      embedding_model: DEFAULT_EMBEDDING_MODEL,
    });
    const schema = tenantNames(hr).schema;
    const doc = await t.db.pool.query(
      `SELECT file_name, extracted_text, text_length, search_vector IS NOT NULL AS indexed, department_id
         FROM ${schema}.drive_document_repository WHERE drive_file_id = 'upload:leave-policy'`,
    );
    expect(doc.rows[0]).toMatchObject({ file_name: LEAVE.title, text_length: LEAVE.text.length, indexed: true });
    expect(doc.rows[0].department_id).toBe(hr);
    const chunks = await t.db.pool.query(
      `SELECT chunk_index, content, dimensions, cardinality(embedding) AS n FROM ${schema}.vector_store_embeddings
        WHERE source_type = 'document' AND source_id = 'upload:leave-policy'`,
    );
    expect(chunks.rows).toEqual([{ chunk_index: 0, content: LEAVE.text, dimensions: 32, n: 32 }]);
    const sent = providers.log.of('openai-embeddings');
    expect(sent.at(-1)).toMatchObject({
      apiKey: 'sk-embeddings-test',
      body: { model: DEFAULT_EMBEDDING_MODEL, input: [LEAVE.text] },
    });
  });

  it('does replace a document added again under the same id, chunks included', async () => {
    const token = await t.token(hr);
    await call(token, `${hr}/documents`, EXPENSES);
    const long = `${'Receipts older than ninety days are not reimbursed. '.repeat(60)}`;
    const { res, body } = await call(token, `${hr}/documents`, { ...EXPENSES, text: long });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ created: false });
    expect(Number(body.chunks_embedded)).toBeGreaterThan(1);
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM ${tenantNames(hr).schema}.vector_store_embeddings WHERE source_id = 'upload:expense-rules'`,
    );
    expect(rows[0].n).toBe(body.chunks_embedded);
    await call(token, `${hr}/documents`, EXPENSES);
  });

  it('does find an added document by meaning (cosine) where full-text search finds nothing', async () => {
    const token = await t.token(hr);
    const query = 'how many holidays do workers get';
    const { res, body } = await call(token, `${hr}/documents/search`, { query, limit: 5 });
    expect(res.status).toBe(200);
    expect(body.search).toBe('cosine');
    expect(String(body.note)).toContain(`cosine similarity of ${DEFAULT_EMBEDDING_MODEL} embeddings`);
    const results = body.results as Record<string, unknown>[];
    expect(results[0]).toMatchObject({ document_id: 'upload:leave-policy', title: LEAVE.title, passage: LEAVE.text });
    expect(Number(results[0]?.score)).toBeGreaterThan(Number(results[1]?.score ?? 0));
    const text = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM ${tenantNames(hr).schema}.drive_document_repository
        WHERE search_vector @@ websearch_to_tsquery('english', $1)`,
      [query],
    );
    expect(text.rows[0].n).toBe(0);
    const audit = await t.db.pool.query(
      `SELECT query_type, target_department_id, outcome, results_returned, requester_role FROM federation.cross_dept_audit
        WHERE source_department_id = $1 AND query_type = 'search_own_documents'`,
      [hr],
    );
    expect(audit.rows.at(-1)).toMatchObject({
      target_department_id: hr,
      outcome: 'allowed',
      results_returned: results.length,
    });
  });

  it('does find an added document through the cross-department search of a granted department', async () => {
    await t.grant('sales-hr-documents', { source: sales, target: hr });
    const res = await app.request('http://localhost/api/v1/cross-dept/query', {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.token(sales)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        target_department_id: hr,
        query_type: 'search_documents',
        query_params: { query: 'paid vacation' },
      }),
    });
    const body = (await res.json()) as { results: Record<string, unknown>[] };
    expect(res.status).toBe(200);
    expect(body.results.map((r) => r.id)).toEqual(['upload:leave-policy']);
  });

  it('does fall back to full-text search and say so when the provider has no embeddings API', async () => {
    const token = await t.token(plain);
    const before = providers.log.of('openai-embeddings').length;
    const added = await call(token, `${plain}/documents`, LEAVE);
    expect(added.res.status).toBe(201);
    expect(added.body).toMatchObject({ chunks_embedded: 0, embedding_model: null });
    expect(String(added.body.note)).toContain('full-text search only');
    const found = await call(token, `${plain}/documents/search`, { query: 'paid vacation' });
    expect(found.body).toMatchObject({ search: 'text', results_count: 1 });
    expect(String(found.body.note)).toBe(
      "Fell back to full-text search: the department's LLM provider cerebras offers no embeddings API this gateway uses.",
    );
    expect((found.body.results as Record<string, unknown>[])[0]).toMatchObject({ id: 'upload:leave-policy' });
    expect(providers.log.of('openai-embeddings').length).toBe(before);
  });

  it('does fall back to full-text search when no document of the department has embeddings yet', async () => {
    const found = await call(await t.token(sales), `${sales}/documents/search`, { query: 'vacation' });
    expect(found.body).toMatchObject({ search: 'text', results_count: 0 });
    expect(String(found.body.note)).toContain(
      `no document of this department has ${DEFAULT_EMBEDDING_MODEL} embeddings yet`,
    );
  });

  it('does refuse a department writing into or searching another department, and allow an admin', async () => {
    const token = await t.token(sales);
    const write = await call(token, `${hr}/documents`, { ...LEAVE, document_id: 'intruder' });
    expect(write.res.status).toBe(403);
    expect(write.res.headers.get('content-type')).toBe('application/problem+json');
    const search = await call(token, `${hr}/documents/search`, { query: 'vacation' });
    expect(search.res.status).toBe(403);
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM ${tenantNames(hr).schema}.drive_document_repository WHERE drive_file_id = 'upload:intruder'`,
    );
    expect(rows[0].n).toBe(0);
    const audit = await t.db.pool.query(
      `SELECT outcome FROM federation.cross_dept_audit
        WHERE source_department_id = $1 AND target_department_id = $2 AND query_type = 'add_document'`,
      [sales, hr],
    );
    expect(audit.rows).toEqual([{ outcome: 'denied' }]);
    const admin = await call(await t.token(sales, 'admin'), `${hr}/documents`, { ...LEAVE, document_id: 'from-admin' });
    expect(admin.res.status).toBe(201);
  });

  it('does answer bad input with problem+json 4xx and store nothing', async () => {
    const token = await t.token(hr);
    const cases: [unknown, number, string][] = [
      [{ title: 'x' }, 400, 'Invalid request: text:'],
      [{ ...LEAVE, text: '   ' }, 400, 'Invalid request: text: must not be blank'],
      [{ ...LEAVE, document_id: '../etc' }, 400, 'Invalid request: document_id:'],
      [{ ...LEAVE, extra: 1 }, 400, 'Invalid request: body:'],
      ['{not json', 400, 'malformed JSON'],
    ];
    for (const [body, status, detail] of cases) {
      const { res, body: problem } = await call(token, `${hr}/documents`, body);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(String(problem.detail)).toContain(detail);
    }
    const wrongType = await call(token, `${hr}/documents`, 'title=x', 'text/plain');
    expect(wrongType.res.status).toBe(415);
    const unknown = await call(await t.token(hr, 'admin'), 'no-such-dept/documents', LEAVE);
    expect(unknown.res.status).toBe(404);
    const unauthenticated = await app.request(`http://localhost/api/v1/departments/${hr}/documents`, {
      method: 'POST',
    });
    expect(unauthenticated.status).toBe(401);
  });

  it('does answer 502 and store nothing when the embeddings provider fails', async () => {
    const broken = t.app({
      embeddings: { openai: { baseUrl: `${providers.url}/missing`, apiKey: 'sk-embeddings-test', model: 'm' } },
    });
    const res = await broken.request(`http://localhost/api/v1/departments/${hr}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.token(hr)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...LEAVE, document_id: 'not-stored' }),
    });
    expect(res.status).toBe(502);
    const problem = (await res.json()) as { detail: string };
    expect(problem.detail).toBe("The department's embeddings provider failed: the embeddings API answered HTTP 404.");
    expect(problem.detail).not.toContain('sk-embeddings-test');
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM ${tenantNames(hr).schema}.drive_document_repository WHERE drive_file_id = 'upload:not-stored'`,
    );
    expect(rows[0].n).toBe(0);
  });
});

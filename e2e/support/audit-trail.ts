import type { TestDatabase } from './database.ts';

/**
 * Test support (not a test): three audited queries of hr, written on one connection (so they land in one of
 * hr's chains, `query:hr#<n>`) as the gateway writes them; resolves with their ids, oldest first.
 */
export async function seedQueries(db: TestDatabase, target = 'sales'): Promise<string[]> {
  const client = await db.pool.connect();
  const ids: string[] = [];
  try {
    for (const q of ['search_documents', 'get_contact', 'search_emails']) {
      const { rows } = await client.query(
        `INSERT INTO federation.cross_dept_audit (source_department_id, target_department_id, query_type, success, decision, outcome)
         VALUES ('hr', $2, $1, true, 'allow', 'allowed') RETURNING id`,
        [q, target],
      );
      ids.push(rows[0].id);
    }
  } finally {
    client.release();
  }
  return ids;
}

/**
 * What a database superuser can do: delete hr's query chains and write new rows through the same triggers, so
 * every link inside the database verifies again; only heads recorded outside the database can tell.
 */
export async function rewriteHrChains(db: TestDatabase): Promise<void> {
  await db.pool.query("DELETE FROM federation.cross_dept_audit WHERE chain LIKE 'query:hr#%'");
  await db.pool.query("DELETE FROM federation.audit_chain_heads WHERE chain LIKE 'query:hr#%'");
  await seedQueries(db, 'legal');
}

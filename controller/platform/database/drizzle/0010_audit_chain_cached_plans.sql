-- The hash chain's cost per audit row. A LANGUAGE sql function that cannot be inlined is parsed and planned
-- again on every call, and one with a SET clause is never inlined: the content functions (SET search_path) and
-- audit_chain_append (an INSERT) were planned anew for every audit row, about 0.3 ms of database CPU per row
-- (measured: an audit insert cost 0.54 ms with the chain, 0.13 ms without). The content functions drop their SET
-- clause so that the chain triggers and audit_chain_verify inline them: they are SECURITY INVOKER, and every name
-- in them is a pg_catalog function, operator or type, which Postgres looks up first whatever the search_path.
-- audit_chain_append becomes plpgsql, whose plan is kept for the session. What they compute is unchanged, so
-- every existing row still verifies.
CREATE OR REPLACE FUNCTION "federation"."cross_dept_audit_content"(r "federation"."cross_dept_audit")
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT pg_catalog.jsonb_build_object(
    'id', r.id, 'source', r.source_department_id, 'target', r.target_department_id, 'query_type', r.query_type,
    'query_params', r.query_params, 'session', r.requester_session_id, 'user_email', r.requester_user_email,
    'results', r.results_returned, 'success', r.success, 'decision', r.decision, 'outcome', r.outcome,
    'latency_ms', r.latency_ms, 'error', r.error_message, 'subject', r.requester_subject,
    'issuer', r.requester_issuer, 'role', r.requester_role, 'access', r.access_path, 'refused', r.refused_count,
    'created_us', (extract(epoch FROM r.created_at) * 1000000)::bigint, 'chain', r.chain
  )::text
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "federation"."security_audit_content"(r "federation"."security_audit")
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT pg_catalog.jsonb_build_object(
    'id', r.id, 'event_type', r.event_type, 'department', r.department_id, 'severity', r.severity,
    'actor', r.actor, 'details', r.details, 'category', r.category,
    'created_us', (extract(epoch FROM r.created_at) * 1000000)::bigint, 'chain', r.chain
  )::text
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "federation"."audit_chain_append"(k text, content text, OUT seq bigint, OUT prev bytea, OUT head bytea)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO "federation"."audit_chain_heads" AS h (chain, seq, prev, head)
  VALUES (k, 1, decode(repeat('00', 32), 'hex'),
          sha256(decode(repeat('00', 32), 'hex') || convert_to('1:' || content, 'UTF8')))
  ON CONFLICT (chain) DO UPDATE
    SET seq = h.seq + 1, prev = h.head, head = sha256(h.head || convert_to((h.seq + 1)::text || ':' || content, 'UTF8'))
  RETURNING h.seq, h.prev, h.head INTO seq, prev, head;
END
$$;

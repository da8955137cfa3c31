-- Functions and privileges of the control-plane schema. The roles are created by federation-migrate.ts
-- before any migration runs (roles are cluster-wide and cannot be tracked per database).

-- Whether the gateway, acting for `source`, may read `target`'s rows of a table serving `query_type`
-- with `permission` (read, search or aggregate; read when unset). SECURITY DEFINER so that the querying
-- role needs no privilege on cross_dept_permissions itself.
CREATE FUNCTION "federation"."cross_dept_allowed"(source text, permission text, target text, query_type text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT source IS NOT NULL AND source <> '' AND query_type IS NOT NULL AND EXISTS (
    SELECT 1 FROM "federation"."cross_dept_permissions" p
    WHERE p.source_department_id = source
      AND p.target_department_id = target
      AND p.enabled
      AND (p.expires_at IS NULL OR p.expires_at > now())
      AND coalesce(nullif(permission, ''), 'read') = ANY (p.permissions)
      AND query_type = ANY (p.query_types)
  )
$$;
--> statement-breakpoint
ALTER FUNCTION "federation"."cross_dept_allowed"(text, text, text, text) OWNER TO federation_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "federation"."cross_dept_allowed"(text, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA "federation" TO federation_owner, cross_dept_query_role, federation_admin_role;
--> statement-breakpoint
GRANT SELECT ON "federation"."cross_dept_permissions" TO federation_owner;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "federation"."cross_dept_allowed"(text, text, text, text) TO cross_dept_query_role, federation_admin_role;
--> statement-breakpoint
GRANT SELECT ON "federation"."departments" TO cross_dept_query_role;
--> statement-breakpoint
GRANT INSERT ON "federation"."cross_dept_audit" TO cross_dept_query_role;
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA "federation" TO federation_admin_role;
--> statement-breakpoint
-- Two-year retention of the global audit tables; returns the number of rows removed.
CREATE FUNCTION "federation"."cleanup_old_audit_logs"(retention interval DEFAULT interval '2 years')
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE removed integer;
BEGIN
  DELETE FROM "federation"."cross_dept_audit" WHERE created_at < now() - retention;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "federation"."cleanup_old_security_audit"(retention interval DEFAULT interval '2 years')
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE removed integer;
BEGIN
  DELETE FROM "federation"."security_audit" WHERE created_at < now() - retention;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "federation"."cleanup_old_audit_logs"(interval), "federation"."cleanup_old_security_audit"(interval) FROM PUBLIC;
--> statement-breakpoint
-- Tenant migrations run as federation_owner, which creates each tenant schema (and so owns it).
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO federation_owner', current_database()); END $$;

-- Push to every gateway replica (LISTEN federation_gateway): only the id of the department whose status or
-- token revocation changed. Any login can NOTIFY on any channel (Postgres checks no privilege), so the payload
-- carries nothing a gateway would trust: it re-reads that department's rows, which tenant roles cannot write.
CREATE OR REPLACE FUNCTION "federation"."notify_gateway"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'departments' AND TG_OP = 'UPDATE' THEN
    -- Nested: OLD.status exists only on departments, and plpgsql does not short-circuit field references.
    IF OLD.status IS NOT DISTINCT FROM NEW.status THEN RETURN NULL; END IF;
  END IF;
  PERFORM pg_notify('federation_gateway',
    CASE WHEN TG_OP = 'DELETE' THEN OLD.department_id ELSE NEW.department_id END);
  RETURN NULL;
END
$$;

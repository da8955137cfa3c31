-- Rate-limit leases: a gateway replica may take several admissions of a bucket's current slot at once and hand
-- them out itself until the slot ends, and gives back the ones it did not use at its next call. The window
-- counts a leased admission from the moment it is taken, and a replica uses it only inside that slot, so no
-- stretch of the window's length admits more than the limit, as with rate_limit_hit; what is given back is
-- taken off the slot it was counted in, so the count of a finished slot is what was used. The gateway asks
-- for one admission at a time below 200 a window (migration 0007's behaviour exactly) and for at most 1 % of the
-- limit above, so a lease can refuse others early by at most that much, and only until its slot ends.
--
-- One write per call: the bucket row is created only when missing and locked with FOR UPDATE, where
-- rate_limit_hit wrote it twice (an upsert, then the update). rate_limit_hit stays for replicas of the previous
-- release during a rolling upgrade: both count in the same slots of the same rows.
CREATE FUNCTION "federation"."rate_limit_take"(p_bucket text, p_limit integer, p_window_seconds integer,
                                               p_want integer, p_return_slot bigint, p_return_count integer,
                                               p_source text, p_scope text)
RETURNS TABLE (granted integer, hits integer, reset_seconds integer, slot bigint, slot_left_ms integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  slots jsonb;
  kept jsonb;
  total integer;
  first_slot bigint;
  now_s numeric;
  width numeric := p_window_seconds / 60.0;
  current_slot bigint;
  given integer;
BEGIN
  INSERT INTO "federation"."gateway_rate_windows" (bucket) VALUES (p_bucket) ON CONFLICT (bucket) DO NOTHING;
  SELECT w.slots INTO slots FROM "federation"."gateway_rate_windows" w WHERE w.bucket = p_bucket FOR UPDATE;
  now_s := extract(epoch FROM clock_timestamp());
  current_slot := floor(now_s / width)::bigint;
  IF p_return_count > 0 AND slots ? p_return_slot::text THEN
    slots := jsonb_set(slots, ARRAY[p_return_slot::text],
                       to_jsonb(greatest(0, (slots ->> p_return_slot::text)::int - p_return_count)));
  END IF;
  SELECT coalesce(jsonb_object_agg(e.key, e.value::int), '{}'::jsonb), coalesce(sum(e.value::int), 0),
         min(e.key::bigint)
    INTO kept, total, first_slot
    FROM jsonb_each_text(slots) e WHERE e.key::bigint >= current_slot - 60;
  given := greatest(0, least(greatest(p_want, 1), p_limit - total));
  IF given > 0 THEN
    kept := jsonb_set(kept, ARRAY[current_slot::text], to_jsonb(coalesce((kept ->> current_slot::text)::int, 0) + given));
    total := total + given;
    first_slot := least(coalesce(first_slot, current_slot), current_slot);
  ELSE
    INSERT INTO "federation"."gateway_refusals" AS f (bucket, period_start, source, scope, refused)
    VALUES (left(p_bucket, 200), date_trunc('minute', clock_timestamp()), left(p_source, 100), left(p_scope, 30), 1)
    ON CONFLICT (bucket, period_start) DO UPDATE SET refused = f.refused + 1;
  END IF;
  UPDATE "federation"."gateway_rate_windows" SET slots = kept, updated_at = clock_timestamp() WHERE bucket = p_bucket;
  RETURN QUERY SELECT given, total,
    greatest(1, ceil(coalesce((first_slot + 61) * width - now_s, p_window_seconds)))::integer,
    current_slot, floor(((current_slot + 1) * width - now_s) * 1000)::integer;
END
$$;
--> statement-breakpoint
ALTER FUNCTION "federation"."rate_limit_take"(text, integer, integer, integer, bigint, integer, text, text) OWNER TO federation_owner;
--> statement-breakpoint
REVOKE ALL ON FUNCTION "federation"."rate_limit_take"(text, integer, integer, integer, bigint, integer, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "federation"."rate_limit_take"(text, integer, integer, integer, bigint, integer, text, text) TO cross_dept_query_role;

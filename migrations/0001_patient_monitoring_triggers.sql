-- Keeps patient_monitoring in step with monitoring_events inside the same statement.
-- Inserts are merged set-wise from the statement's transition table with the touched keys of each
-- patient's current summary, so an import batch of thousands of rows costs a few set operations
-- rather than a trigger call per row, and the cost does not grow with the patient's history. Updates and
-- deletes (rare corrections) rebuild the touched patients' summaries from their events.
-- PostgreSQL 15 compatible: transition tables need one trigger per event.

CREATE OR REPLACE FUNCTION closedloop_rebuild_patient_monitoring(patient_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM patient_monitoring WHERE patient_id = ANY(patient_ids);
  INSERT INTO patient_monitoring (patient_id, last_done, recent_values)
  SELECT ids.id,
    coalesce((SELECT jsonb_object_agg(requirement, last_done) FROM (
        SELECT requirement, max(taken_on) AS last_done FROM monitoring_events
        WHERE patient_id = ids.id AND outcome IN ('result', 'done') GROUP BY requirement) d), '{}'::jsonb),
    coalesce((SELECT jsonb_object_agg(test, points) FROM (
        SELECT test, jsonb_agg(jsonb_build_array(value, taken_on, id) ORDER BY taken_on DESC, id DESC) AS points FROM (
          SELECT test, value, taken_on, id, row_number() OVER (PARTITION BY test ORDER BY taken_on DESC, id DESC) AS rn
          FROM monitoring_events WHERE patient_id = ids.id AND outcome = 'result') ranked
        WHERE rn <= 2 GROUP BY test) v), '{}'::jsonb)
  FROM (SELECT DISTINCT unnest(patient_ids) AS id) ids
  WHERE EXISTS (SELECT 1 FROM monitoring_events e WHERE e.patient_id = ids.id);
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_merge_inserted_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- EXECUTE, not static SQL: plpgsql would keep the plan made for the first batch (when the
  -- summary table was empty) and then scan the whole table on every later batch. Planning each
  -- batch afresh costs well under a millisecond.
  -- Only the keys a batch touches are read and rewritten; the rest of each patient's summary is
  -- carried over by jsonb concatenation.
  EXECUTE $merge$
    WITH done_new AS (
      SELECT patient_id, requirement, max(taken_on) AS last_done
      FROM new_rows WHERE outcome IN ('result', 'done') GROUP BY patient_id, requirement
    ), done_patch AS (
      SELECT d.patient_id, jsonb_object_agg(d.requirement, d.last_done) AS patch
      FROM done_new d LEFT JOIN patient_monitoring pm ON pm.patient_id = d.patient_id
      WHERE pm.last_done IS NULL OR (pm.last_done ->> d.requirement) IS NULL OR (pm.last_done ->> d.requirement)::date < d.last_done
      GROUP BY d.patient_id
    ), value_keys AS (
      SELECT DISTINCT patient_id, test FROM new_rows WHERE outcome = 'result'
    ), value_candidates AS (
      SELECT patient_id, test, value, taken_on, id FROM new_rows WHERE outcome = 'result'
      UNION ALL
      SELECT k.patient_id, k.test, (p.value ->> 0)::double precision, (p.value ->> 1)::date, (p.value ->> 2)::bigint
      FROM value_keys k JOIN patient_monitoring pm ON pm.patient_id = k.patient_id
      CROSS JOIN LATERAL jsonb_array_elements(coalesce(pm.recent_values -> k.test, '[]'::jsonb)) p
    ), values_patch AS (
      SELECT patient_id, jsonb_object_agg(test, points) AS patch FROM (
        SELECT patient_id, test, jsonb_agg(jsonb_build_array(value, taken_on, id) ORDER BY taken_on DESC, id DESC) AS points
        FROM (
          SELECT patient_id, test, value, taken_on, id,
            row_number() OVER (PARTITION BY patient_id, test ORDER BY taken_on DESC, id DESC) AS rn
          FROM value_candidates
        ) ranked WHERE rn <= 2 GROUP BY patient_id, test
      ) latest GROUP BY patient_id
    )
    INSERT INTO patient_monitoring AS pm (patient_id, last_done, recent_values)
    SELECT coalesce(d.patient_id, v.patient_id), coalesce(d.patch, '{}'::jsonb), coalesce(v.patch, '{}'::jsonb)
    FROM done_patch d FULL JOIN values_patch v ON v.patient_id = d.patient_id
    ON CONFLICT (patient_id) DO UPDATE SET
      last_done = pm.last_done || excluded.last_done,
      recent_values = pm.recent_values || excluded.recent_values
  $merge$;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_resummarise_deleted_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM closedloop_rebuild_patient_monitoring(ARRAY(SELECT DISTINCT patient_id FROM old_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_resummarise_updated_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM closedloop_rebuild_patient_monitoring(ARRAY(SELECT patient_id FROM old_rows UNION SELECT patient_id FROM new_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_clear_patient_monitoring() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM patient_monitoring;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER monitoring_events_summarise_insert AFTER INSERT ON monitoring_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_merge_inserted_events();
--> statement-breakpoint
CREATE TRIGGER monitoring_events_summarise_delete AFTER DELETE ON monitoring_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_resummarise_deleted_events();
--> statement-breakpoint
CREATE TRIGGER monitoring_events_summarise_update AFTER UPDATE ON monitoring_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_resummarise_updated_events();
--> statement-breakpoint
CREATE TRIGGER monitoring_events_summarise_truncate AFTER TRUNCATE ON monitoring_events
  FOR EACH STATEMENT EXECUTE FUNCTION closedloop_clear_patient_monitoring();

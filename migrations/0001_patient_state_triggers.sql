-- Keeps patient_state (each patient's register and monitoring history as one row) in step with
-- prescriptions, responsibilities and monitoring_events inside the same statement.
--
-- * Event inserts are merged set-wise from the statement's transition table with only the keys a
--   batch touches, so an import batch of thousands of rows costs a few set operations rather than
--   a trigger call per row, and the cost does not grow with a patient's history.
-- * Event updates and deletes (rare corrections) rebuild the touched patients' monitoring columns.
-- * Register changes come from imports and are rare next to reads, so each statement rebuilds the
--   touched patients' column for the table that changed (prescriptions or responsibilities).
-- * Trigger bodies run their SQL through EXECUTE: plpgsql would otherwise keep the plan made for
--   the first batch (when the table was empty) and scan the whole table on every later batch.
-- PostgreSQL 15 compatible: transition tables need one trigger per event and table.

CREATE OR REPLACE FUNCTION closedloop_rebuild_monitoring(patient_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE $rebuild$
    INSERT INTO patient_state AS ps (patient_id, last_done, recent_values)
    SELECT ids.id,
      coalesce((SELECT jsonb_object_agg(requirement, last_done) FROM (
          SELECT requirement, max(taken_on) AS last_done FROM monitoring_events
          WHERE patient_id = ids.id AND outcome IN ('result', 'done') GROUP BY requirement) d), '{}'::jsonb),
      coalesce((SELECT jsonb_object_agg(test, points) FROM (
          SELECT test, jsonb_agg(jsonb_build_array(value, taken_on, id) ORDER BY taken_on DESC, id DESC) AS points FROM (
            SELECT test, value, taken_on, id, row_number() OVER (PARTITION BY test ORDER BY taken_on DESC, id DESC) AS rn
            FROM monitoring_events WHERE patient_id = ids.id AND outcome = 'result') ranked
          WHERE rn <= 2 GROUP BY test) v), '{}'::jsonb)
    FROM (SELECT DISTINCT unnest($1) AS id) ids
    ON CONFLICT (patient_id) DO UPDATE SET last_done = excluded.last_done, recent_values = excluded.recent_values
  $rebuild$ USING patient_ids;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_rebuild_register(patient_ids uuid[], source_table text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Only the column of the table that changed: an import writes prescriptions and then
  -- responsibilities, and rebuilding both each time doubled the cost of a register import.
  IF source_table = 'prescriptions' THEN
    EXECUTE $rebuild$
      INSERT INTO patient_state AS ps (patient_id, prescriptions)
      SELECT p.id,
        coalesce((SELECT jsonb_agg(jsonb_build_array(r.drug, r.start_date, r.last_dose_change, r.stopped_on) ORDER BY r.drug, r.start_date)
                  FROM prescriptions r WHERE r.patient_id = p.id), '[]'::jsonb)
      FROM patients p WHERE p.id = ANY($1)
      ON CONFLICT (patient_id) DO UPDATE SET prescriptions = excluded.prescriptions
    $rebuild$ USING patient_ids;
  ELSE
    EXECUTE $rebuild$
      INSERT INTO patient_state AS ps (patient_id, responsibilities)
      SELECT p.id,
        coalesce((SELECT jsonb_agg(jsonb_build_array(r.drug, r.test, r.org_type, r.org_name, r.staff) ORDER BY r.drug, r.test)
                  FROM responsibilities r WHERE r.patient_id = p.id), '[]'::jsonb)
      FROM patients p WHERE p.id = ANY($1)
      ON CONFLICT (patient_id) DO UPDATE SET responsibilities = excluded.responsibilities
    $rebuild$ USING patient_ids;
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_merge_inserted_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE $merge$
    WITH done_new AS (
      SELECT patient_id, requirement, max(taken_on) AS last_done
      FROM new_rows WHERE outcome IN ('result', 'done') GROUP BY patient_id, requirement
    ), done_patch AS (
      SELECT d.patient_id, jsonb_object_agg(d.requirement, d.last_done) AS patch
      FROM done_new d LEFT JOIN patient_state ps ON ps.patient_id = d.patient_id
      WHERE ps.last_done IS NULL OR (ps.last_done ->> d.requirement) IS NULL OR (ps.last_done ->> d.requirement)::date < d.last_done
      GROUP BY d.patient_id
    ), value_keys AS (
      SELECT DISTINCT patient_id, test FROM new_rows WHERE outcome = 'result'
    ), value_candidates AS (
      SELECT patient_id, test, value, taken_on, id FROM new_rows WHERE outcome = 'result'
      UNION ALL
      SELECT k.patient_id, k.test, (p.value ->> 0)::double precision, (p.value ->> 1)::date, (p.value ->> 2)::bigint
      FROM value_keys k JOIN patient_state ps ON ps.patient_id = k.patient_id
      CROSS JOIN LATERAL jsonb_array_elements(coalesce(ps.recent_values -> k.test, '[]'::jsonb)) p
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
    INSERT INTO patient_state AS ps (patient_id, last_done, recent_values)
    SELECT coalesce(d.patient_id, v.patient_id), coalesce(d.patch, '{}'::jsonb), coalesce(v.patch, '{}'::jsonb)
    FROM done_patch d FULL JOIN values_patch v ON v.patient_id = d.patient_id
    ON CONFLICT (patient_id) DO UPDATE SET
      last_done = ps.last_done || excluded.last_done,
      recent_values = ps.recent_values || excluded.recent_values
  $merge$;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_events_corrected() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each trigger has only the transition tables of its own event; plpgsql plans only the branch it runs.
  IF TG_OP = 'DELETE' THEN
    PERFORM closedloop_rebuild_monitoring(ARRAY(SELECT DISTINCT patient_id FROM old_rows));
  ELSE
    PERFORM closedloop_rebuild_monitoring(ARRAY(SELECT patient_id FROM old_rows UNION SELECT patient_id FROM new_rows));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_events_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE patient_state SET last_done = '{}'::jsonb, recent_values = '{}'::jsonb;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_register_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each trigger has only the transition tables of its own event; plpgsql plans only the branch it runs.
  IF TG_OP = 'INSERT' THEN
    PERFORM closedloop_rebuild_register(ARRAY(SELECT DISTINCT patient_id FROM new_rows), TG_TABLE_NAME);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM closedloop_rebuild_register(ARRAY(SELECT DISTINCT patient_id FROM old_rows), TG_TABLE_NAME);
  ELSE
    PERFORM closedloop_rebuild_register(ARRAY(SELECT patient_id FROM old_rows UNION SELECT patient_id FROM new_rows), TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER monitoring_events_state_insert AFTER INSERT ON monitoring_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_merge_inserted_events();
--> statement-breakpoint
CREATE TRIGGER monitoring_events_state_update AFTER UPDATE ON monitoring_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_events_corrected();
--> statement-breakpoint
CREATE TRIGGER monitoring_events_state_delete AFTER DELETE ON monitoring_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_events_corrected();
--> statement-breakpoint
CREATE TRIGGER monitoring_events_state_truncate AFTER TRUNCATE ON monitoring_events
  FOR EACH STATEMENT EXECUTE FUNCTION closedloop_events_truncated();
--> statement-breakpoint
CREATE TRIGGER prescriptions_state_insert AFTER INSERT ON prescriptions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_changed();
--> statement-breakpoint
CREATE TRIGGER prescriptions_state_update AFTER UPDATE ON prescriptions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_changed();
--> statement-breakpoint
CREATE TRIGGER prescriptions_state_delete AFTER DELETE ON prescriptions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_changed();
--> statement-breakpoint
CREATE TRIGGER responsibilities_state_insert AFTER INSERT ON responsibilities
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_changed();
--> statement-breakpoint
CREATE TRIGGER responsibilities_state_update AFTER UPDATE ON responsibilities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_changed();
--> statement-breakpoint
CREATE TRIGGER responsibilities_state_delete AFTER DELETE ON responsibilities
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_changed();

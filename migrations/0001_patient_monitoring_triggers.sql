-- Keeps patient_monitoring in step with monitoring_events inside the same statement.
-- Inserts are merged set-wise from the statement's transition table with each touched patient's
-- current summary, so an import batch of thousands of rows costs a few set operations rather than
-- a trigger call per row, and the cost does not grow with the patient's history. Updates and
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
  WITH touched AS (
    SELECT DISTINCT patient_id FROM new_rows
  ), existing AS (
    SELECT pm.patient_id, pm.last_done, pm.recent_values FROM patient_monitoring pm JOIN touched t USING (patient_id)
  ), done_merged AS (
    SELECT patient_id, jsonb_object_agg(requirement, last_done) AS last_done FROM (
      SELECT patient_id, requirement, max(last_done) AS last_done FROM (
        SELECT patient_id, requirement, taken_on AS last_done FROM new_rows WHERE outcome IN ('result', 'done')
        UNION ALL
        SELECT e.patient_id, kv.key, kv.value::date FROM existing e, jsonb_each_text(e.last_done) kv
      ) candidates GROUP BY patient_id, requirement
    ) latest GROUP BY patient_id
  ), values_merged AS (
    SELECT patient_id, jsonb_object_agg(test, points) AS recent_values FROM (
      SELECT patient_id, test, jsonb_agg(jsonb_build_array(value, taken_on, id) ORDER BY taken_on DESC, id DESC) AS points FROM (
        SELECT patient_id, test, value, taken_on, id,
          row_number() OVER (PARTITION BY patient_id, test ORDER BY taken_on DESC, id DESC) AS rn
        FROM (
          SELECT patient_id, test, value, taken_on, id FROM new_rows WHERE outcome = 'result'
          UNION ALL
          SELECT e.patient_id, t.key, (p.value->>0)::double precision, (p.value->>1)::date, (p.value->>2)::bigint
            FROM existing e, jsonb_each(e.recent_values) t, jsonb_array_elements(t.value) p
        ) candidates
      ) ranked WHERE rn <= 2 GROUP BY patient_id, test
    ) latest GROUP BY patient_id
  )
  INSERT INTO patient_monitoring (patient_id, last_done, recent_values)
  SELECT t.patient_id, coalesce(d.last_done, '{}'::jsonb), coalesce(v.recent_values, '{}'::jsonb)
    FROM touched t LEFT JOIN done_merged d USING (patient_id) LEFT JOIN values_merged v USING (patient_id)
  ON CONFLICT (patient_id) DO UPDATE SET last_done = excluded.last_done, recent_values = excluded.recent_values;
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

-- Keeps patient_register (each patient's prescriptions and responsibilities as one row) in step
-- with its source tables inside the same statement. Register changes come from imports and are
-- rare next to reads, so each statement simply rebuilds the rows of the patients it touched.
-- PostgreSQL 15 compatible: transition tables need one trigger per event and table.

CREATE OR REPLACE FUNCTION closedloop_rebuild_patient_register(patient_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- EXECUTE: re-planned for each call, so the plan fits the number of patients touched.
  EXECUTE $rebuild$
    INSERT INTO patient_register (patient_id, prescriptions, responsibilities)
    SELECT p.id,
      coalesce((SELECT jsonb_agg(jsonb_build_array(r.drug, r.start_date, r.last_dose_change, r.stopped_on) ORDER BY r.drug, r.start_date)
                FROM prescriptions r WHERE r.patient_id = p.id), '[]'::jsonb),
      coalesce((SELECT jsonb_agg(jsonb_build_array(r.drug, r.test, r.org_type, r.org_name, r.staff) ORDER BY r.drug, r.test)
                FROM responsibilities r WHERE r.patient_id = p.id), '[]'::jsonb)
    FROM patients p WHERE p.id = ANY($1)
    ON CONFLICT (patient_id) DO UPDATE SET prescriptions = excluded.prescriptions, responsibilities = excluded.responsibilities
  $rebuild$ USING patient_ids;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_register_rows_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM closedloop_rebuild_patient_register(ARRAY(SELECT DISTINCT patient_id FROM new_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_register_rows_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM closedloop_rebuild_patient_register(ARRAY(SELECT DISTINCT patient_id FROM old_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION closedloop_register_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM closedloop_rebuild_patient_register(ARRAY(SELECT patient_id FROM old_rows UNION SELECT patient_id FROM new_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER prescriptions_register_insert AFTER INSERT ON prescriptions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_inserted();
--> statement-breakpoint
CREATE TRIGGER prescriptions_register_update AFTER UPDATE ON prescriptions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_updated();
--> statement-breakpoint
CREATE TRIGGER prescriptions_register_delete AFTER DELETE ON prescriptions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_deleted();
--> statement-breakpoint
CREATE TRIGGER responsibilities_register_insert AFTER INSERT ON responsibilities
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_inserted();
--> statement-breakpoint
CREATE TRIGGER responsibilities_register_update AFTER UPDATE ON responsibilities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_updated();
--> statement-breakpoint
CREATE TRIGGER responsibilities_register_delete AFTER DELETE ON responsibilities
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_register_rows_deleted();
--> statement-breakpoint
-- Databases that already hold a register get their rows now.
SELECT closedloop_rebuild_patient_register(ARRAY(SELECT id FROM patients));

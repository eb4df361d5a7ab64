-- Every patient has a patient_state row from the moment it is registered, carrying its team, so
-- loading one team's state is a scan by team. The other state functions only ever hit the
-- ON CONFLICT path for existing rows and never touch team_id.
CREATE OR REPLACE FUNCTION closedloop_patients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO patient_state AS ps (patient_id, team_id)
  SELECT id, team_id FROM new_rows
  ON CONFLICT (patient_id) DO UPDATE SET team_id = excluded.team_id
  WHERE ps.team_id IS DISTINCT FROM excluded.team_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER patients_state_insert AFTER INSERT ON patients
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_patients_changed();
--> statement-breakpoint
CREATE TRIGGER patients_state_update AFTER UPDATE ON patients
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION closedloop_patients_changed();
--> statement-breakpoint
INSERT INTO patient_state AS ps (patient_id, team_id)
SELECT id, team_id FROM patients
ON CONFLICT (patient_id) DO UPDATE SET team_id = excluded.team_id;

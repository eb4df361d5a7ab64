-- Patient clinical attributes from register.csv (sex, and the flags ben, inr_target,
-- pregnancy_possible as a ClinicalFlags object: src/domain/clinical-attributes.ts), which change
-- only the cited rules that name them. And patient_state.recent_values keeps three results per
-- analyte instead of two (RECENT_VALUES_DEPTH in src/domain/test-keys.ts), so a rule can see a fall
-- across three tests: the two trigger functions that rank the values (migration 0001, not
-- redefined since) are replaced with the depth 3, and every patient with a result is rebuilt so
-- existing rows get their third point at once rather than at their next result.
ALTER TABLE "patients" ADD COLUMN "sex" text;--> statement-breakpoint
ALTER TABLE "patients" ADD COLUMN "clinical_flags" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_sex_ck" CHECK ("patients"."sex" IN ('female', 'male'));
--> statement-breakpoint
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
          WHERE rn <= 3 GROUP BY test) v), '{}'::jsonb)
    FROM (SELECT DISTINCT unnest($1) AS id) ids
    ON CONFLICT (patient_id) DO UPDATE SET last_done = excluded.last_done, recent_values = excluded.recent_values
  $rebuild$ USING patient_ids;
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
        ) ranked WHERE rn <= 3 GROUP BY patient_id, test
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
-- Only patients with a result can gain a point; the rest would be rewritten unchanged.
SELECT closedloop_rebuild_monitoring(ARRAY(SELECT DISTINCT patient_id FROM monitoring_events WHERE outcome = 'result'));

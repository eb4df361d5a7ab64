ALTER TABLE "patient_state" ADD COLUMN "team_id" uuid;--> statement-breakpoint
ALTER TABLE "patient_state" ADD CONSTRAINT "patient_state_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "patient_state_team_idx" ON "patient_state" USING btree ("team_id");
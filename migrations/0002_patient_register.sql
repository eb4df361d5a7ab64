CREATE TABLE "patient_register" (
	"patient_id" uuid PRIMARY KEY NOT NULL,
	"prescriptions" jsonb NOT NULL,
	"responsibilities" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "patient_register" ADD CONSTRAINT "patient_register_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE no action ON UPDATE no action;
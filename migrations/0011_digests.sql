CREATE TABLE "chart_images" (
	"token" text PRIMARY KEY NOT NULL,
	"png_base64" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "digest_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "digest_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"team_id" uuid NOT NULL,
	"channel_row_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"period_start" date NOT NULL,
	"scheduled_for" timestamp with time zone,
	"late" boolean DEFAULT false NOT NULL,
	"forced" boolean DEFAULT false NOT NULL,
	"summarised" boolean DEFAULT false NOT NULL,
	"outbox_id" bigint,
	"via" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "escalation_steps" (
	"action_id" bigint NOT NULL,
	"level" text NOT NULL,
	"escalation_action_id" bigint,
	"detail" jsonb,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalation_steps_action_id_level_pk" PRIMARY KEY("action_id","level")
);
--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "first_digest_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "digest_runs" ADD CONSTRAINT "digest_runs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_runs" ADD CONSTRAINT "digest_runs_channel_row_id_channels_id_fk" FOREIGN KEY ("channel_row_id") REFERENCES "public"."channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_steps" ADD CONSTRAINT "escalation_steps_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "digest_runs_once_uq" ON "digest_runs" USING btree ("channel_row_id","kind","period_start") WHERE NOT forced;--> statement-breakpoint
CREATE INDEX "digest_runs_team_idx" ON "digest_runs" USING btree ("team_id","kind","period_start");
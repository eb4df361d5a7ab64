CREATE TABLE "conversations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "conversations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"platform" text NOT NULL,
	"tenant" text NOT NULL,
	"channel_id" text NOT NULL,
	"kind" text NOT NULL,
	"user_id" text,
	"reference" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversations_channel_uq" UNIQUE("platform","tenant","channel_id")
);
--> statement-breakpoint
CREATE INDEX "conversations_personal_idx" ON "conversations" USING btree ("platform","tenant","user_id") WHERE kind = 'personal';
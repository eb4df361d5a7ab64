CREATE TABLE "scheduler_jobs" (
	"job" text NOT NULL,
	"day" date NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "scheduler_jobs_job_day_pk" PRIMARY KEY("job","day")
);

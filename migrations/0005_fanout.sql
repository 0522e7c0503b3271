CREATE TABLE "cycle_observations" (
	"run_id" varchar(64) NOT NULL,
	"backend_id" varchar(255) NOT NULL,
	"observation" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cycle_observations_run_id_backend_id_pk" PRIMARY KEY("run_id","backend_id")
);
--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "deferred" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "max_subrequests" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "max_kv_ops" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "planned" integer;--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "deadline" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "published_by" varchar(64);--> statement-breakpoint
CREATE INDEX "cycle_observations_at_idx" ON "cycle_observations" USING btree ("at");
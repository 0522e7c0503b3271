CREATE TABLE "backend_rollups" (
	"backend_id" varchar(255) NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"probes" integer DEFAULT 0 NOT NULL,
	"good" integer DEFAULT 0 NOT NULL,
	"latency" integer[] NOT NULL,
	CONSTRAINT "backend_rollups_backend_id_hour_pk" PRIMARY KEY("backend_id","hour")
);
--> statement-breakpoint
CREATE TABLE "fleet_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"backend_id" varchar(255) NOT NULL,
	"backend_name" varchar(255) NOT NULL,
	"kind" varchar(32) NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fleet_events_pruned" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"through" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backend_health" DROP CONSTRAINT "backend_health_backend_id_backends_id_fk";
--> statement-breakpoint
ALTER TABLE "backend_health" ADD COLUMN "name" varchar(255) DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "backend_health" ADD COLUMN "status" varchar(16);--> statement-breakpoint
ALTER TABLE "backend_health" ADD COLUMN "consecutive_successes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "backend_health" ADD COLUMN "retry_after_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "backend_health" ADD COLUMN "model_facts" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "backend_rollups" ADD CONSTRAINT "backend_rollups_backend_id_backends_id_fk" FOREIGN KEY ("backend_id") REFERENCES "public"."backends"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backend_rollups_hour_idx" ON "backend_rollups" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "fleet_events_at_idx" ON "fleet_events" USING btree ("at");--> statement-breakpoint
UPDATE "backend_health" h SET "name" = b."name" FROM "backends" b WHERE b."id" = h."backend_id";--> statement-breakpoint
INSERT INTO "fleet_events_pruned" ("id", "through") VALUES (1, 0) ON CONFLICT DO NOTHING;

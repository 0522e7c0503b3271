ALTER TABLE "declared_models" ADD COLUMN "catalog_id" varchar(512);--> statement-breakpoint
ALTER TABLE "reconcile_runs" ADD COLUMN "catalog" jsonb;
CREATE TABLE "backends" (
	"id" varchar(255) PRIMARY KEY NOT NULL,
	"name" varchar(512) NOT NULL,
	"base_url" varchar(512) NOT NULL,
	"type" varchar(512) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "backends_name_unique" UNIQUE("name"),
	CONSTRAINT "backends_type_base_url_unique" UNIQUE("type","base_url")
);
--> statement-breakpoint
CREATE TABLE "capability_overrides" (
	"provider" varchar(64) NOT NULL,
	"model" varchar(512) NOT NULL,
	"can_think" boolean,
	"can_vision" boolean,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "capability_overrides_provider_model_pk" PRIMARY KEY("provider","model")
);
--> statement-breakpoint
CREATE TABLE "declared_models" (
	"id" varchar(255) PRIMARY KEY NOT NULL,
	"model" varchar(512) NOT NULL,
	"can_chat" boolean DEFAULT false NOT NULL,
	"can_embed" boolean DEFAULT false NOT NULL,
	"can_prompt" boolean DEFAULT false NOT NULL,
	"can_stream" boolean DEFAULT false NOT NULL,
	"context_length" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "declared_models_model_unique" UNIQUE("model")
);
--> statement-breakpoint
CREATE TABLE "group_backends" (
	"group_id" varchar(255) NOT NULL,
	"backend_id" varchar(255) NOT NULL,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_backends_group_id_backend_id_pk" PRIMARY KEY("group_id","backend_id")
);
--> statement-breakpoint
CREATE TABLE "group_models" (
	"group_id" varchar(255) NOT NULL,
	"model_id" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_models_model_id_group_id_pk" PRIMARY KEY("model_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" varchar(255) PRIMARY KEY NOT NULL,
	"name" varchar(512) NOT NULL,
	"purpose_type" varchar(512) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "groups_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "provider_configs" (
	"scope" varchar(320) PRIMARY KEY NOT NULL,
	"type" varchar(64) NOT NULL,
	"backend_id" varchar(255),
	"api_key_ciphertext" text,
	"api_key_env" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconcile_lease" (
	"name" varchar(64) PRIMARY KEY NOT NULL,
	"run_id" varchar(64) NOT NULL,
	"expires_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconcile_runs" (
	"id" varchar(64) PRIMARY KEY NOT NULL,
	"trigger" varchar(32) NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" varchar(16) DEFAULT 'running' NOT NULL,
	"error" text,
	"backends_total" integer DEFAULT 0 NOT NULL,
	"backends_healthy" integer DEFAULT 0 NOT NULL,
	"backends_failed" integer DEFAULT 0 NOT NULL,
	"snapshot_written" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
ALTER TABLE "group_backends" ADD CONSTRAINT "group_backends_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_backends" ADD CONSTRAINT "group_backends_backend_id_backends_id_fk" FOREIGN KEY ("backend_id") REFERENCES "public"."backends"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_models" ADD CONSTRAINT "group_models_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_models" ADD CONSTRAINT "group_models_model_id_declared_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."declared_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_configs" ADD CONSTRAINT "provider_configs_backend_id_backends_id_fk" FOREIGN KEY ("backend_id") REFERENCES "public"."backends"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "group_backends_backend_idx" ON "group_backends" USING btree ("backend_id");--> statement-breakpoint
CREATE INDEX "group_models_group_idx" ON "group_models" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "provider_configs_backend_idx" ON "provider_configs" USING btree ("backend_id");--> statement-breakpoint
CREATE INDEX "reconcile_runs_started_idx" ON "reconcile_runs" USING btree ("started_at");
CREATE SCHEMA IF NOT EXISTS "federation";
--> statement-breakpoint
CREATE TABLE "federation"."cross_dept_audit" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source_department_id" varchar(100) NOT NULL,
	"target_department_id" varchar(100),
	"query_type" varchar(50) NOT NULL,
	"query_params" jsonb,
	"requester_session_id" varchar(100),
	"results_returned" integer,
	"success" boolean NOT NULL,
	"decision" varchar(10) NOT NULL,
	"latency_ms" integer,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "valid_decision" CHECK ("federation"."cross_dept_audit"."decision" IN ('allow', 'deny', 'error')),
	CONSTRAINT "non_negative_latency" CHECK ("federation"."cross_dept_audit"."latency_ms" IS NULL OR "federation"."cross_dept_audit"."latency_ms" >= 0)
);
--> statement-breakpoint
CREATE TABLE "federation"."cross_dept_permissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"grant_name" varchar(253) NOT NULL,
	"source_department_id" varchar(100) NOT NULL,
	"target_department_id" varchar(100) NOT NULL,
	"permissions" text[] NOT NULL,
	"query_types" text[] NOT NULL,
	"expires_at" timestamp with time zone,
	"enabled" boolean DEFAULT true NOT NULL,
	"granted_by" varchar(255) NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cross_dept_permissions_grant_name_unique" UNIQUE("grant_name"),
	CONSTRAINT "different_departments" CHECK ("federation"."cross_dept_permissions"."source_department_id" <> "federation"."cross_dept_permissions"."target_department_id")
);
--> statement-breakpoint
CREATE TABLE "federation"."departments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"department_id" varchar(100) NOT NULL,
	"department_name" varchar(255) NOT NULL,
	"status" varchar(20) DEFAULT 'PROVISIONING' NOT NULL,
	"tenant_schema" varchar(63) NOT NULL,
	"railway_project_id" varchar(255),
	"railway_deployment_url" text,
	"n8n_workflow_ids" jsonb,
	"enabled_tools" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"admin_email" varchar(255) NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"generation" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deprovisioned_at" timestamp with time zone,
	CONSTRAINT "departments_department_id_unique" UNIQUE("department_id"),
	CONSTRAINT "valid_status" CHECK ("federation"."departments"."status" IN ('PROVISIONING', 'ACTIVE', 'DEPROVISIONING', 'FAILED', 'DEPROVISIONED'))
);
--> statement-breakpoint
CREATE TABLE "federation"."oauth_credentials" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"department_id" varchar(100) NOT NULL,
	"service_name" varchar(50) NOT NULL,
	"oauth_client_id" varchar(255) NOT NULL,
	"oauth_client_secret_encrypted" "bytea" NOT NULL,
	"oauth_app_name" varchar(255),
	"scopes" jsonb,
	"refresh_token_encrypted" "bytea",
	"key_id" varchar(100),
	"token_expires_at" timestamp with time zone,
	"last_refreshed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone,
	CONSTRAINT "unique_dept_service" UNIQUE("department_id","service_name")
);
--> statement-breakpoint
CREATE TABLE "federation"."provisioning_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"department_id" varchar(100) NOT NULL,
	"generation" integer NOT NULL,
	"status" varchar(20) DEFAULT 'PENDING' NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	CONSTRAINT "provisioning_jobs_generation" UNIQUE("department_id","generation"),
	CONSTRAINT "valid_status" CHECK ("federation"."provisioning_jobs"."status" IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED'))
);
--> statement-breakpoint
CREATE TABLE "federation"."schema_migrations" (
	"department_id" varchar(100) NOT NULL,
	"version" integer NOT NULL,
	"name" varchar(100) NOT NULL,
	"checksum" varchar(64) NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schema_migrations_department_id_version_pk" PRIMARY KEY("department_id","version")
);
--> statement-breakpoint
CREATE TABLE "federation"."security_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_type" varchar(64) NOT NULL,
	"department_id" varchar(100),
	"severity" varchar(10) DEFAULT 'info' NOT NULL,
	"actor" varchar(255),
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "valid_severity" CHECK ("federation"."security_audit"."severity" IN ('info', 'warning', 'critical'))
);
--> statement-breakpoint
ALTER TABLE "federation"."oauth_credentials" ADD CONSTRAINT "oauth_credentials_department_id_departments_department_id_fk" FOREIGN KEY ("department_id") REFERENCES "federation"."departments"("department_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "federation"."provisioning_jobs" ADD CONSTRAINT "provisioning_jobs_department_id_departments_department_id_fk" FOREIGN KEY ("department_id") REFERENCES "federation"."departments"("department_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_cross_dept_source" ON "federation"."cross_dept_audit" USING btree ("source_department_id");--> statement-breakpoint
CREATE INDEX "idx_cross_dept_target" ON "federation"."cross_dept_audit" USING btree ("target_department_id");--> statement-breakpoint
CREATE INDEX "idx_cross_dept_created" ON "federation"."cross_dept_audit" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_cross_dept_permissions_pair" ON "federation"."cross_dept_permissions" USING btree ("source_department_id","target_department_id");--> statement-breakpoint
CREATE INDEX "idx_departments_status" ON "federation"."departments" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_departments_created" ON "federation"."departments" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_oauth_service" ON "federation"."oauth_credentials" USING btree ("service_name");--> statement-breakpoint
CREATE INDEX "idx_provisioning_status" ON "federation"."provisioning_jobs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_security_audit_event" ON "federation"."security_audit" USING btree ("event_type","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_security_audit_department" ON "federation"."security_audit" USING btree ("department_id");--> statement-breakpoint
CREATE INDEX "idx_security_audit_created" ON "federation"."security_audit" USING btree ("created_at" DESC NULLS LAST);
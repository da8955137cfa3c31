CREATE TABLE "federation"."audit_chain_heads" (
	"chain" varchar(120) PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"head" "bytea" NOT NULL,
	"prev" "bytea",
	"pruned_seq" bigint DEFAULT 0 NOT NULL,
	"pruned_hash" "bytea",
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation"."gateway_rate_windows" (
	"bucket" varchar(200) PRIMARY KEY NOT NULL,
	"slots" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation"."gateway_refusals" (
	"bucket" varchar(200) NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"source" varchar(100) NOT NULL,
	"scope" varchar(30) NOT NULL,
	"refused" integer NOT NULL,
	CONSTRAINT "gateway_refusals_bucket_period_start_pk" PRIMARY KEY("bucket","period_start")
);
--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "requester_subject" varchar(255);--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "requester_issuer" varchar(255);--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "requester_role" varchar(10);--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "access_path" varchar(10);--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "refused_count" integer;--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "chain" varchar(120);--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "prev_hash" "bytea";--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "row_hash" "bytea";--> statement-breakpoint
ALTER TABLE "federation"."departments" ADD COLUMN "dashboard_url" text;--> statement-breakpoint
ALTER TABLE "federation"."provisioning_jobs" ADD COLUMN "department_uid" uuid;--> statement-breakpoint
ALTER TABLE "federation"."provisioning_jobs" ADD COLUMN "steps" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "federation"."provisioning_jobs" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "federation"."security_audit" ADD COLUMN "category" varchar(20) DEFAULT 'security' NOT NULL;--> statement-breakpoint
ALTER TABLE "federation"."security_audit" ADD COLUMN "chain" varchar(120);--> statement-breakpoint
ALTER TABLE "federation"."security_audit" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "federation"."security_audit" ADD COLUMN "prev_hash" "bytea";--> statement-breakpoint
ALTER TABLE "federation"."security_audit" ADD COLUMN "row_hash" "bytea";--> statement-breakpoint
CREATE INDEX "idx_cross_dept_chain" ON "federation"."cross_dept_audit" USING btree ("chain","chain_seq");--> statement-breakpoint
CREATE INDEX "idx_provisioning_jobs_uid" ON "federation"."provisioning_jobs" USING btree ("department_uid");--> statement-breakpoint
CREATE INDEX "idx_security_audit_chain" ON "federation"."security_audit" USING btree ("chain","chain_seq");--> statement-breakpoint
ALTER TABLE "federation"."security_audit" ADD CONSTRAINT "valid_category" CHECK ("federation"."security_audit"."category" IN ('security', 'provisioning'));
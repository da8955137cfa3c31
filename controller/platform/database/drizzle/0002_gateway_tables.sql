CREATE TABLE "federation"."gateway_rate_limits" (
	"bucket" varchar(200) NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL,
	CONSTRAINT "gateway_rate_limits_bucket_window_start_pk" PRIMARY KEY("bucket","window_start")
);
--> statement-breakpoint
CREATE TABLE "federation"."gateway_signing_keys" (
	"kid" varchar(100) PRIMARY KEY NOT NULL,
	"alg" varchar(10) NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation"."gateway_token_revocations" (
	"department_id" varchar(100) PRIMARY KEY NOT NULL,
	"revoked_before" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation"."provisioning_requests" (
	"provisioning_id" uuid PRIMARY KEY NOT NULL,
	"department_id" varchar(100) NOT NULL,
	"requested_by" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "outcome" varchar(20);--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD COLUMN "requester_user_email" varchar(320);--> statement-breakpoint
CREATE INDEX "idx_gateway_rate_limits_window" ON "federation"."gateway_rate_limits" USING btree ("window_start");--> statement-breakpoint
CREATE INDEX "idx_provisioning_requests_department" ON "federation"."provisioning_requests" USING btree ("department_id");--> statement-breakpoint
ALTER TABLE "federation"."cross_dept_audit" ADD CONSTRAINT "valid_outcome" CHECK ("federation"."cross_dept_audit"."outcome" IS NULL OR "federation"."cross_dept_audit"."outcome" IN ('allowed', 'denied', 'rate_limited', 'invalid', 'failed'));
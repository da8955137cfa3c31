-- What the gateway (a login role that is a member of cross_dept_query_role) may do besides the tenant reads:
-- read audit entries it serves at /audit-log and insert new ones (never update or delete them), count
-- requests for its rate limits, read the platform's public signing keys and token revocations, and record
-- provisioning requests.
GRANT SELECT ON "federation"."cross_dept_audit" TO cross_dept_query_role;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "federation"."gateway_rate_limits" TO cross_dept_query_role;
--> statement-breakpoint
GRANT SELECT ON "federation"."gateway_signing_keys", "federation"."gateway_token_revocations" TO cross_dept_query_role;
--> statement-breakpoint
GRANT SELECT, INSERT ON "federation"."provisioning_requests" TO cross_dept_query_role;
--> statement-breakpoint
GRANT SELECT ON "federation"."gateway_rate_limits", "federation"."gateway_signing_keys", "federation"."gateway_token_revocations", "federation"."provisioning_requests" TO federation_admin_role;

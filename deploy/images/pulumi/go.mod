// The pulumi CLI the controller image ships and the test environment builds (e2e/testenv/pulumi-cli.ts reads
// this file, deploy/images/Dockerfile copies it): one recipe, so tests run the engine production runs.
module federation.local/pulumi

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v3.248.0
	github.com/pulumi/pulumi/sdk/v3 v3.248.0
)

// The pkg module's own replace directives do not apply to a dependent module; repeat the one it needs.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

//go:build tools

// Keeps `go mod tidy` from pruning the module whose main package is built.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"

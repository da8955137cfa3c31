#!/bin/sh
# Builds the pulumi CLI from this directory's go.mod into $1 (GOTOOLCHAIN=local, static, version stamped):
# run by deploy/images/Dockerfile and by e2e/testenv/pulumi-cli.ts alike.
set -eu
out=$1
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")
export GOTOOLCHAIN=local GOFLAGS='-mod=mod -buildvcs=false' CGO_ENABLED=0
cd "$here"
go mod tidy
go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

#!/usr/bin/env bash
# Builds the three images from the repository root: the controller and the gateway (deploy/images/Dockerfile's
# targets) and the department agent (agent-image/Dockerfile). A release runs it where a container engine is.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/images/build.sh [--registry REGISTRY] [--version VERSION] [--push]

Builds ghcr.io/synrg/federation-{controller,gateway,agent}:VERSION from this checkout.

  --registry REGISTRY  image name prefix (env REGISTRY; default ghcr.io/synrg): REGISTRY/federation-<image>
  --version VERSION    image tag (env VERSION; default package.json's version, the tag of the agent image
                       the controller deploys by default: reconcilers/runtime/agent-image.ts)
  --push               push each image after building it
  -h, --help           this text

Uses `docker buildx build` when the buildx plugin is there, else `docker build` (env DOCKER: the client to run).
EOF
}

default_registry=ghcr.io/synrg
registry="${REGISTRY:-$default_registry}"
version="${VERSION:-}"
push=false
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --push) push=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# npm writes the top-level "version" at two spaces' indent: the release's version, which the controller reads too.
release="$(sed -n 's/^  "version": "\([^"]*\)",\{0,1\}$/\1/p' package.json | head -n 1)"
if [ -z "$release" ]; then
  echo "build.sh: no version in $root/package.json" >&2
  exit 1
fi
version="${version:-$release}"
docker="${DOCKER:-docker}"

if ! command -v "$docker" >/dev/null 2>&1; then
  echo "build.sh: no container engine client ($docker) on PATH" >&2
  exit 1
fi
if ! "$docker" info >/dev/null 2>&1; then
  echo "build.sh: $docker cannot reach a container engine (\`$docker info\` failed); start one or set DOCKER_HOST" >&2
  exit 1
fi

if "$docker" buildx version >/dev/null 2>&1; then
  # buildx leaves an image in the build cache only unless told to load it (or push it).
  build=("$docker" buildx build)
  if $push; then build+=(--push); else build+=(--load); fi
  pushed_by_build=true
else
  build=("$docker" build)
  pushed_by_build=false
fi

# image name, Dockerfile, target (none: the last stage)
images=(
  "federation-controller deploy/images/Dockerfile controller"
  "federation-gateway deploy/images/Dockerfile gateway"
  "federation-agent agent-image/Dockerfile -"
)
for entry in "${images[@]}"; do
  read -r name file target <<<"$entry"
  tag="$registry/$name:$version"
  args=(-f "$file" -t "$tag")
  if [ "$target" != "-" ]; then args+=(--target "$target"); fi
  echo "build.sh: $tag" >&2
  "${build[@]}" "${args[@]}" .
  if $push && ! $pushed_by_build; then "$docker" push "$tag"; fi
done

agent="$registry/federation-agent:$version"
if [ "$agent" != "$default_registry/federation-agent:$release" ]; then
  echo "build.sh: the controller deploys $default_registry/federation-agent:$release unless told otherwise:" \
    "set RUNTIME_DEFAULT_IMAGE=$agent in its settings to deploy this agent" >&2
fi

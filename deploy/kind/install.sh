#!/usr/bin/env bash
# Federation on a local kind cluster: builds the two images, creates the cluster (deploy/kind/kind-config.yaml),
# loads the images, installs the CloudNativePG operator, creates the Secrets with generated values (they exist
# only in the cluster), installs the CRDs (deploy/crds) and deploy/kind, creates n8n's owner and public-API
# key, applies the examples and waits until every Department is Ready.
#
# Needs docker, kind, kubectl (1.27+), openssl, curl and node. Run it from anywhere: deploy/kind/install.sh
# Re-running it is safe: what exists is kept. Remove everything with: kind delete cluster --name federation
set -euo pipefail
cd "$(dirname "$0")/../.."

CLUSTER=${KIND_CLUSTER_NAME:-federation}
TAG=dev
CNPG_VERSION=1.30.1
NS=federation-system
N8N_LOCAL_PORT=${N8N_LOCAL_PORT:-15678}
# The scopes of the key the workflows component uses (e2e/testenv/n8n.ts N8N_API_SCOPES; a test keeps them equal).
N8N_API_SCOPES='["workflow:create","workflow:read","workflow:update","workflow:delete","workflow:list","workflow:activate","workflow:deactivate","tag:create","tag:read","tag:list","credential:create","credential:delete","securityAudit:generate"]'

step() { printf '\n==> %s\n' "$*"; }
for tool in docker kind kubectl openssl curl node; do
  command -v "$tool" >/dev/null || { echo "deploy/kind/install.sh needs $tool on PATH" >&2; exit 1; }
done

step "building the images (deploy/images/Dockerfile)"
docker build --target controller -t "ghcr.io/synrg/federation-controller:$TAG" -f deploy/images/Dockerfile .
docker build --target gateway -t "ghcr.io/synrg/federation-gateway:$TAG" -f deploy/images/Dockerfile .

step "kind cluster $CLUSTER"
if ! kind get clusters | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --config deploy/kind/kind-config.yaml
fi
kube() { kubectl --context "kind-$CLUSTER" "$@"; }
kind load docker-image --name "$CLUSTER" "ghcr.io/synrg/federation-controller:$TAG" "ghcr.io/synrg/federation-gateway:$TAG"

step "CloudNativePG operator $CNPG_VERSION"
kube apply --server-side -f \
  "https://github.com/cloudnative-pg/cloudnative-pg/releases/download/v${CNPG_VERSION}/cnpg-${CNPG_VERSION}.yaml"
kube -n cnpg-system rollout status deployment/cnpg-controller-manager --timeout=5m

step "Secrets (generated here, never written to disk)"
kube apply --server-side -f deploy/base/namespace.yaml
secret() {
  local name=$1
  shift
  kube -n "$NS" get secret "$name" >/dev/null 2>&1 || kube -n "$NS" create secret generic "$name" "$@"
}
secret federation-n8n-database --type=kubernetes.io/basic-auth \
  --from-literal=username=n8n --from-literal=password="$(openssl rand -hex 24)" \
  --from-literal=host=federation-db-rw --from-literal=port=5432 --from-literal=dbname=n8n
secret federation-n8n-encryption --from-literal=encryptionKey="$(openssl rand -hex 32)"

# Apart from the platform: `kubectl delete -k deploy/kind` removes the operator and keeps every Department.
step "the CRDs (deploy/crds)"
kube apply --server-side -k deploy/crds
kube wait --for=condition=Established --timeout=60s \
  crd/departments.federation.synrg.io crd/crossdepartmentgrants.federation.synrg.io

step "the platform (deploy/kind)"
kube apply --server-side -k deploy/kind
kube -n "$NS" wait cluster.postgresql.cnpg.io/federation-db --for=condition=Ready --timeout=10m
kube -n "$NS" rollout status deployment/n8n --timeout=10m
kube -n "$NS" rollout status deployment/federation-controller --timeout=5m

if ! kube -n "$NS" get secret federation-n8n >/dev/null 2>&1; then
  step "n8n owner and public-API key (Secret federation-n8n)"
  kube -n "$NS" port-forward service/n8n "$N8N_LOCAL_PORT:5678" >/dev/null &
  forward=$!
  trap 'kill "$forward" 2>/dev/null || true' EXIT
  n8n="http://127.0.0.1:$N8N_LOCAL_PORT"
  until curl -fsS "$n8n/rest/settings" >/dev/null 2>&1; do sleep 2; done
  password="Fed-$(openssl rand -hex 16)9"
  cookies=$(mktemp)
  curl -fsS -c "$cookies" -H 'content-type: application/json' "$n8n/rest/owner/setup" \
    -d "{\"email\":\"owner@federation.local\",\"firstName\":\"Federation\",\"lastName\":\"Owner\",\"password\":\"$password\"}" \
    >/dev/null
  api_key=$(curl -fsS -b "$cookies" -H 'content-type: application/json' "$n8n/rest/api-keys" \
    -d "{\"label\":\"federation-controller\",\"scopes\":$N8N_API_SCOPES,\"expiresAt\":null}" |
    node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>process.stdout.write(JSON.parse(s).data.rawApiKey))')
  rm -f "$cookies"
  kube -n "$NS" create secret generic federation-n8n-owner \
    --from-literal=email=owner@federation.local --from-literal=password="$password"
  kube -n "$NS" create secret generic federation-n8n \
    --from-literal=url="http://n8n.$NS.svc:5678" --from-literal=apiKey="$api_key"
  # The controller reads N8N_URL and N8N_API_KEY at start-up.
  kube -n "$NS" rollout restart deployment/federation-controller
  kube -n "$NS" rollout status deployment/federation-controller --timeout=5m
fi

step "the gateway (starts once the controller's leader created Secret gateway-database)"
kube -n "$NS" rollout status deployment/federation-gateway --timeout=5m

step "the examples (crds/examples)"
kube apply --server-side -f crds/examples/
kube wait department --all --for=condition=Ready --timeout=10m
kube get departments,crossdepartmentgrants

cat <<EOF

Federation runs on kind-$CLUSTER.
  kubectl --context kind-$CLUSTER get dept
  kubectl --context kind-$CLUSTER -n $NS port-forward service/federation-gateway 8443:80   # the gateway
  kubectl --context kind-$CLUSTER -n $NS port-forward service/n8n 5678:5678                # n8n (owner in Secret federation-n8n-owner)
EOF

#!/usr/bin/env bash
# mlflow-oidc-auth (PyPI): the /scim/v2 provisioning API of the MLflow auth plugin, started as its
# README says (mlflow server --app-name oidc-auth), users/groups in SQLite (OIDC_USERS_DB_URI).
# The SCIM endpoint accepts only a token an admin issued; start.sh issues one through the
# plugin's own store (store.create_scim_token, what the admin API's POST does).
# Needs Python >= 3.12 (the package says >=3.11 but fails to import on 3.11).
# Usage: start.sh [PORT]  -> prints SCIM_URL=... and SCIM_TOKEN=... (eval-able)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; . "$here/../common.sh"
PORT="${1:-8302}"; VERSION=11.0.2
pick_python() {
  local c
  for c in "${FIELD_PY312:-}" python3.13 python3.12 python3; do
    [ -n "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$c"; return; }
  done
  echo "mlflow-oidc-auth needs Python >= 3.12 (set FIELD_PY312)" >&2; return 1
}
d="$(field_dir mlflow-oidc-auth)"
if [ "$("$d/venv/bin/pip" show mlflow-oidc-auth 2>/dev/null | sed -n 's/^Version: //p')" != "$VERSION" ]; then
  PY="$(pick_python)"
  "$PY" -m venv "$d/venv" >&2
  "$d/venv/bin/pip" install -q "mlflow-oidc-auth==$VERSION" >&2
fi
mkdir -p "$d/data"
export OIDC_USERS_DB_URI="sqlite:///$d/data/auth.db"
export SECRET_KEY="${FIELD_MLFLOW_SECRET_KEY:-field-corpus-secret-key-not-for-production}"
# The default budget (600 SCIM requests a minute per token) would throttle the harness to a crawl;
# an operator sets this knob, so it is raised here and rate limiting is not measured.
export SCIM_RATE_LIMIT_PER_MINUTE="${SCIM_RATE_LIMIT_PER_MINUTE:-1000000}"
cd "$d/data"
setsid "$d/venv/bin/mlflow" server --app-name oidc-auth --host 127.0.0.1 --port "$PORT" \
  --backend-store-uri "sqlite:///$d/data/mlflow.db" >"$d/server.log" 2>&1 < /dev/null &
echo $! > "$d/server.pid"
wait_http "http://127.0.0.1:$PORT/scim/v2/ServiceProviderConfig" 180
token="$("$d/venv/bin/python" - <<'PY'
from mlflow_oidc_auth.store import store
import time
record, plaintext = store.create_scim_token(f"scim-field-corpus-{time.time_ns()}", "scim-field-corpus", None)
print(plaintext)
PY
)"
echo "SCIM_URL=http://127.0.0.1:$PORT/scim/v2"
echo "SCIM_TOKEN=$token"

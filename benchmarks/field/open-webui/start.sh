#!/usr/bin/env bash
# open-webui (PyPI): its SCIM 2.0 router (/api/v1/scim/v2), users and groups in SQLite under DATA_DIR.
# Started with `open-webui serve` as its docs say; SCIM switched on with ENABLE_SCIM, SCIM_TOKEN and
# SCIM_AUTH_PROVIDER (the OAuth provider name the SCIM externalId is kept under). Offline: no model
# download, no LLM backends. SCIM Groups need an admin account to own them ("No admin user found"
# otherwise): one is created headless with WEBUI_ADMIN_EMAIL/PASSWORD, as the docs describe.
# Usage: start.sh [PORT]  -> prints SCIM_URL=... and SCIM_TOKEN=... (eval-able)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; . "$here/../common.sh"
PORT="${1:-8304}"; VERSION=0.12.4
d="$(field_dir open-webui)"
if [ "$("$d/venv/bin/pip" show open-webui 2>/dev/null | sed -n 's/^Version: //p')" != "$VERSION" ]; then
  python3 -m venv "$d/venv" >&2   # open-webui 0.12.4 needs Python >=3.11,<3.13
  "$d/venv/bin/pip" install -q "open-webui==$VERSION" >&2
fi
# open-webui creates the env admin only into an empty user table; a data dir left without it
# (an earlier start that lacked the admin variables) is started afresh.
if [ -d "$d/data" ] && [ ! -e "$d/data/.field-admin" ]; then rm -rf "$d/data"; fi
mkdir -p "$d/data"
TOKEN="${FIELD_OPEN_WEBUI_TOKEN:-field-open-webui-scim-token}"
export DATA_DIR="$d/data" WEBUI_SECRET_KEY="field-corpus-not-secret" \
  ENABLE_SCIM=true SCIM_TOKEN="$TOKEN" SCIM_AUTH_PROVIDER=oidc \
  WEBUI_ADMIN_EMAIL=admin@field.example WEBUI_ADMIN_PASSWORD=field-admin-password WEBUI_ADMIN_NAME=FieldAdmin \
  OFFLINE_MODE=true HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 RAG_EMBEDDING_MODEL_AUTO_UPDATE=false \
  RAG_RERANKING_MODEL_AUTO_UPDATE=false ENABLE_OLLAMA_API=false ENABLE_OPENAI_API=false \
  ENABLE_VERSION_UPDATE_CHECK=false SCARF_NO_ANALYTICS=true DO_NOT_TRACK=true ANONYMIZED_TELEMETRY=false
setsid "$d/venv/bin/open-webui" serve --host 127.0.0.1 --port "$PORT" >"$d/server.log" 2>&1 < /dev/null &
echo $! > "$d/server.pid"
wait_http "http://127.0.0.1:$PORT/api/v1/scim/v2/ServiceProviderConfig" 300
if [ ! -e "$d/data/.field-admin" ]; then
  grep -q "Admin account created" "$d/server.log" || { echo "open-webui: admin account not created (see $d/server.log)" >&2; exit 1; }
  touch "$d/data/.field-admin"
fi
echo "SCIM_URL=http://127.0.0.1:$PORT/api/v1/scim/v2"
echo "SCIM_TOKEN=$TOKEN"

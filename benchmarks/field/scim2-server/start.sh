#!/usr/bin/env bash
# scim2-server (PyPI, python-scim): the package's own WSGI test server, resources in memory.
# Usage: start.sh [PORT]  -> prints SCIM_URL=... and SCIM_TOKEN=... (eval-able)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; . "$here/../common.sh"
PORT="${1:-8301}"; VERSION=0.8.3
d="$(field_dir scim2-server)"
if [ "$("$d/venv/bin/pip" show scim2-server 2>/dev/null | sed -n 's/^Version: //p')" != "$VERSION" ]; then
  python3 -m venv "$d/venv" >&2
  "$d/venv/bin/pip" install -q "scim2-server==$VERSION" >&2
fi
TOKEN="${FIELD_SCIM2_SERVER_TOKEN:-field-scim2-server-token}"
setsid "$d/venv/bin/scim2-server" --hostname 127.0.0.1 --port "$PORT" --bearer-token "$TOKEN" \
  >"$d/server.log" 2>&1 < /dev/null &
echo $! > "$d/server.pid"
wait_http "http://127.0.0.1:$PORT/v2/ServiceProviderConfig" 60
echo "SCIM_URL=http://127.0.0.1:$PORT/v2"
echo "SCIM_TOKEN=$TOKEN"

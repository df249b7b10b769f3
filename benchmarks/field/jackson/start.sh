#!/usr/bin/env bash
# @boxyhq/saml-jackson (npm) directory sync: SCIM 2.0 Users/Groups, SQLite store, hosted by host.js.
# Usage: start.sh [PORT]  -> prints SCIM_URL=... and SCIM_TOKEN=... (eval-able)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; . "$here/../common.sh"
PORT="${1:-8303}"
d="$(field_dir jackson)"
cp "$here/package.json" "$here/host.js" "$d/"
if ! (cd "$d" && node -e "require('@boxyhq/saml-jackson'); require('better-sqlite3')(':memory:')" 2>/dev/null); then
  # better-sqlite3 compiles from source when no prebuilt binary can be fetched (needs g++, make).
  (cd "$d" && npm install --no-audit --no-fund >&2)
fi
mkdir -p "$d/data"
DO_NOT_TRACK=1 BOXYHQ_NO_ANALYTICS=1 setsid node "$d/host.js" "$PORT" "$d/data/jackson.db" "$d/data/state-$PORT.json" \
  >"$d/server.log" 2>&1 < /dev/null &
echo $! > "$d/server.pid"
for _ in $(seq 60); do [ -s "$d/data/state-$PORT.json" ] && grep -q listening "$d/server.log" && break; sleep 1; done
url="$(node -e "console.log(require('$d/data/state-$PORT.json').url)")"
token="$(node -e "console.log(require('$d/data/state-$PORT.json').token)")"
wait_http "$url/Users" 30
echo "SCIM_URL=$url"
echo "SCIM_TOKEN=$token"

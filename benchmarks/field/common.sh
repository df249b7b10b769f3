# Sourced by each server's start.sh/stop.sh. Installs go under $FIELD_HOME (never the repo).
FIELD_HOME="${FIELD_HOME:-$HOME/.cache/scim-field}"
field_dir() { mkdir -p "$FIELD_HOME/$1" && echo "$FIELD_HOME/$1"; }
# wait_http URL [TRIES]: poll until the URL answers any HTTP status.
wait_http() {
  local url="$1" tries="${2:-120}" i
  for ((i = 0; i < tries; i++)); do
    if curl -s -o /dev/null -m 2 "$url"; then return 0; fi
    sleep 1
  done
  echo "server did not answer at $url" >&2
  return 1
}
# stop_pidfile FILE: stop the process group started by start.sh, then the pid.
stop_pidfile() {
  local f="$1" pid
  [ -f "$f" ] || { echo "no pid file $f" >&2; return 0; }
  pid="$(cat "$f")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$f"
}

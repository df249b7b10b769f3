#!/usr/bin/env bash
# Run scim-harness against every field server (on demand only, not in CI).
# Usage: benchmarks/field/run_corpus.sh OUTDIR [SERVER...]   (default: every server directory)
# Env:   FIELD_HOME (installs, default ~/.cache/scim-field), PYTHON (interpreter with the
#        harness importable, default python3), FUZZ_DURATION (default 60s), FIELD_PORT (8301).
# Writes OUTDIR/<server>/{run-rfc,run-okta,run-entra,okta-run,fuzz}.json, a .log per command,
# leftovers-*.json (what each run left on the server) and summary.txt.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:?usage: run_corpus.sh OUTDIR [SERVER...]}"; shift
mkdir -p "$out"; out="$(cd "$out" && pwd)"
PY="${PYTHON:-python3}"
FUZZ="${FUZZ_DURATION:-60s}"
PORT="${FIELD_PORT:-8301}"
if [ "$#" -eq 0 ]; then
  set -- $(cd "$here" && for d in */; do [ -x "$d/start.sh" ] && echo "${d%/}"; done)
fi
harness() { (cd "$repo" && "$PY" -c 'import sys; from harness.cli import main; sys.exit(main())' "$@"); }

for name in "$@"; do
  dir="$out/$name"; mkdir -p "$dir"
  echo "=== $name" >&2
  if ! env_lines="$("$here/$name/start.sh" "$PORT" 2> "$dir/start.log")"; then
    echo "$name: start failed (see $dir/start.log)" >&2
    "$here/$name/stop.sh" >/dev/null 2>&1 || true
    continue
  fi
  url="$(sed -n 's/^SCIM_URL=//p' <<<"$env_lines")"
  SCIM_TOKEN="$(sed -n 's/^SCIM_TOKEN=//p' <<<"$env_lines")"; export SCIM_TOKEN
  echo "$name at $url" >&2
  for profile in rfc okta entra; do
    harness run "$url" --profile "$profile" --report-json "$dir/run-$profile.json" > "$dir/run-$profile.log" 2>&1
    echo "  run --profile $profile: exit $?" >&2
    "$PY" "$here/leftovers.py" "$dir/run-$profile.json" "$url" > "$dir/leftovers-run-$profile.json" 2>&1
  done
  harness okta run --url "$url" --token-env SCIM_TOKEN --report-json "$dir/okta-run.json" > "$dir/okta-run.log" 2>&1
  echo "  okta run: exit $?" >&2
  "$PY" "$here/leftovers.py" "$dir/okta-run.json" "$url" > "$dir/leftovers-okta-run.json" 2>&1
  harness fuzz "$url" --duration "$FUZZ" --database none --report-json "$dir/fuzz.json" > "$dir/fuzz.log" 2>&1
  echo "  fuzz $FUZZ: exit $?" >&2
  "$PY" "$here/leftovers.py" "$dir/fuzz.json" "$url" > "$dir/leftovers-fuzz.json" 2>&1
  "$here/$name/stop.sh" >&2
  "$PY" "$here/summarize.py" "$dir"/run-*.json "$dir/okta-run.json" "$dir/fuzz.json" > "$dir/summary.txt" 2>&1
  unset SCIM_TOKEN
done

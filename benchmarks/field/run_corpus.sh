#!/usr/bin/env bash
# Run scim-harness against every field server (on demand only, not in CI).
# Usage: benchmarks/field/run_corpus.sh OUTDIR [SERVER...]   (default: every server directory)
# Env:   FIELD_HOME (installs, default ~/.cache/scim-field), PYTHON (interpreter with the
#        harness importable, default python3), FUZZ_DURATION (default 120s), FIELD_PORT (8301),
#        STEPS (default "run okta fuzz": which commands to run), OKTA_ALL (default --all).
# Writes OUTDIR/<server>/{run-rfc,run-okta,run-entra,okta-run-custom,okta-run-oin,fuzz}.json
# (plus fuzz-replay.json, the replay file), a .log per command,
# leftovers-*.json (what each run left on the server) and summary.txt.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:?usage: run_corpus.sh OUTDIR [SERVER...]}"; shift
mkdir -p "$out"; out="$(cd "$out" && pwd)"
PY="${PYTHON:-python3}"
FUZZ="${FUZZ_DURATION:-120s}"
STEPS="${STEPS:-run okta fuzz}"
OKTA_ALL="${OKTA_ALL---all}"  # OKTA_ALL= leaves out the slow scenarios (bulk-push-10k)
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
    [[ " $STEPS " == *" run "* ]] || break
    harness run "$url" --profile "$profile" --report-json "$dir/run-$profile.json" > "$dir/run-$profile.log" 2>&1
    echo "  run --profile $profile: exit $?" >&2
    "$PY" "$here/leftovers.py" "$dir/run-$profile.json" "$url" > "$dir/leftovers-run-$profile.json" 2>&1
  done
  if [[ " $STEPS " == *" okta "* ]]; then
    for kind in custom oin; do  # every shipped scenario, as both kinds of Okta app
      harness okta run $OKTA_ALL --app-kind "$kind" --url "$url" --token-env SCIM_TOKEN \
        --report-json "$dir/okta-run-$kind.json" > "$dir/okta-run-$kind.log" 2>&1
      echo "  okta run --app-kind $kind: exit $?" >&2
      "$PY" "$here/leftovers.py" "$dir/okta-run-$kind.json" "$url" > "$dir/leftovers-okta-run-$kind.json" 2>&1
    done
  fi
  if [[ " $STEPS " == *" fuzz "* ]]; then
    harness fuzz "$url" --duration "$FUZZ" --database none --report-json "$dir/fuzz.json" > "$dir/fuzz.log" 2>&1
    echo "  fuzz $FUZZ: exit $?" >&2
    "$PY" "$here/leftovers.py" "$dir/fuzz.json" "$url" > "$dir/leftovers-fuzz.json" 2>&1
  fi
  "$here/$name/stop.sh" >&2
  "$PY" "$here/summarize.py" $(ls "$dir"/run-*.json "$dir"/okta-run-*.json "$dir/fuzz.json" 2>/dev/null) > "$dir/summary.txt" 2>&1
  unset SCIM_TOKEN
done

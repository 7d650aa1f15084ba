#!/usr/bin/env bash
# Runs Schemathesis (every check, bounded examples) against the real server,
# once open and once with tokens configured, and fails on any finding.
# Usage: bash backend/tests/openapi/run.sh   (from anywhere; installs nothing:
# .ci/setup puts schemathesis in .tools/venv)
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=backend/tests/openapi
st=.tools/venv/bin/st
[ -x "$st" ] || { echo "schemathesis is missing: run bash .ci/setup" >&2; exit 1; }
cargo build -q -p backend
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the server with extra flags on a free port; sets $base.
start() {
  target/debug/backend --port 0 --no-simulator --ephemeral --web-dir "$work/no-web" "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1 || true)
    [ -n "$base" ] && curl -fs "$base/healthz" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/server.log" >&2
  return 1
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }

run() {
  "$st" --config-file "$here/schemathesis.toml" run "$base/api/openapi.json" \
    --checks all --workers 1 --seed 2026 --max-failures 20 "$@"
}

echo "== schemathesis: open server"
start
run
stop

echo "== schemathesis: tokens configured (admin)"
token=$(target/debug/backend --generate-token | sed -n 's/^token  = "\(.*\)"/\1/p')
printf '[[tokens]]\nname = "schemathesis"\ntoken = "%s"\nrole = "admin"\n' "$token" >"$work/tokens.toml"
start --tokens-file "$work/tokens.toml"
run -H "Authorization: Bearer $token"
stop

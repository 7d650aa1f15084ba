#!/usr/bin/env bash
# The OTLP receiver with a real OpenTelemetry SDK client: starts the server
# binary with tokens configured and runs e2e.py (Python SDK + OTLP/HTTP
# exporter from .tools/venv, which .ci/setup installs) against it.
# Usage: bash backend/tests/otlp/run.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../../.."
python=.tools/venv/bin/python
"$python" -c 'import opentelemetry.exporter.otlp.proto.http' 2>/dev/null ||
  { echo "the OpenTelemetry SDK is missing: run bash .ci/setup" >&2; exit 1; }
cargo build -q -p backend
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

new_token() { target/debug/backend --generate-token | sed -n 's/^token  = "\(.*\)"/\1/p'; }
ingest=$(new_token)
admin=$(new_token)
cat >"$work/tokens.toml" <<TOML
[[tokens]]
name = "python-app"
token = "$ingest"
role = "ingest"
tenants = ["py-otel", "py-otel-json"]

[[tokens]]
name = "checker"
token = "$admin"
role = "admin"
TOML

target/debug/backend --port 0 --no-simulator --ephemeral --web-dir "$work/no-web" \
  --tokens-file "$work/tokens.toml" >"$work/server.log" 2>&1 &
server_pid=$!
base=
for _ in $(seq 100); do
  base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1 || true)
  [ -n "$base" ] && curl -fs "$base/healthz" >/dev/null && break
  base=
  sleep 0.1
done
[ -n "$base" ] || { cat "$work/server.log" >&2; exit 1; }

"$python" backend/tests/otlp/e2e.py "$base" "$ingest" "$admin" protocol/prices/prices.json

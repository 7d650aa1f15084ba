#!/usr/bin/env bash
# Runs the web image's Caddyfile (Debian's caddy) in front of the release
# backend, with web/dist precompressed the way deploy/web.Dockerfile does it,
# and checks what a browser would get: cache headers, compression, the SPA
# fallback, the proxied API and the WebSocket upgrade. Needs `bash web/build.sh`
# and `bash deploy/build-backend.sh` first. Loopback only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend_port=$(free_port)
web_port=$(free_port)

cp -r web/dist "$work/srv"
find "$work/srv" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
  -exec gzip -9 -k {} \; -exec brotli -q 11 -k {} \;
sed "s#root \* /srv#root * $work/srv#" deploy/Caddyfile >"$work/Caddyfile"

target/release/backend --port "$backend_port" --web-dir /nonexistent --rate 50 >"$work/backend.log" 2>&1 &
pids+=($!)
WEB_PORT=$web_port BACKEND_ADDR=127.0.0.1:$backend_port XDG_DATA_HOME=$work XDG_CONFIG_HOME=$work \
  caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$web_port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

fail() { echo "smoke test: $*" >&2; cat "$work/caddy.log" >&2; exit 1; }
header() { curl -s -o /dev/null -D - "${@:2}" "http://127.0.0.1:$web_port$1" | tr -d '\r' | tr 'A-Z' 'a-z'; }

wasm=$(cd web/dist && ls app-*.wasm)
h=$(header "/$wasm" -H 'Accept-Encoding: br, gzip')
grep -q '^http/1.1 200' <<<"$h" || fail "no 200 for /$wasm"
grep -q '^cache-control: public, max-age=31536000, immutable' <<<"$h" || fail "hashed asset not cached long"
grep -q '^content-encoding: br' <<<"$h" || fail "wasm not served brotli-compressed"
h=$(header "/$wasm" -H 'Accept-Encoding: gzip')
grep -q '^content-encoding: gzip' <<<"$h" || fail "wasm not served gzip-compressed"

h=$(header "/")
grep -q '^cache-control: no-cache' <<<"$h" || fail "index.html must be revalidated"
h=$(header "/a/client/route?mode=wall")
grep -q '^http/1.1 200' <<<"$h" || fail "SPA fallback missing"
grep -q '^content-type: text/html' <<<"$h" || fail "SPA fallback is not index.html"

curl -fs "http://127.0.0.1:$web_port/api/stats" | grep -q '"spendRatePerHour"' || fail "/api not proxied"
curl -fs "http://127.0.0.1:$web_port/healthz" | grep -q '"status":"ok"' || fail "/healthz not proxied"
h=$(header "/ws" -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' --max-time 2 || true)
grep -q '^http/1.1 101' <<<"$h" || fail "WebSocket upgrade not proxied"

echo "smoke test: the web image's Caddyfile serves and proxies as intended"

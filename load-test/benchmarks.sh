#!/usr/bin/env bash
# The server benchmarks in docs/PERFORMANCE.md, one command each:
#   bash load-test/benchmarks.sh ingest            # HTTP ingest, 200,000 reports/s target
#   bash load-test/benchmarks.sh fanout            # 1,000 and 10,000 WebSocket sessions at 4 Hz, backend vs a naive Python broadcast
#   bash load-test/benchmarks.sh isolation         # POST /api/ingest p99 at 100 req/s with 0-10,000 sessions, main port vs --ingest-port
#   bash load-test/benchmarks.sh reads             # REST read latency while ingesting 100,000/s
#   bash load-test/benchmarks.sh scaling           # cost vs ingest rate, sessions, tenants, customers
#   bash load-test/benchmarks.sh durable           # ingest with the store on vs --ephemeral (group commit)
#   bash load-test/benchmarks.sh otlp              # OTLP spans/s (protobuf, 512 a batch) next to JSON ingest
#   bash load-test/benchmarks.sh finance           # WebSocket bytes and server CPU, unfiltered vs one tenant, at 10,000 reports/s
#   bash load-test/benchmarks.sh views             # bytes per dashboard, raw stream vs server-side view, 100–100,000 reports/s; 1,000 watchers
#   bash load-test/benchmarks.sh all
# Each run starts its own release server on a free loopback port and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p backend -p load-test
lt=target/release/load-test
server=target/release/backend
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints chosen fields of a load-test JSON summary as one table row.
row() {
  python3 - "$@" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
s = json.load(open(path))
i, w, u = s["ingest"], s["websocket"], s["server_usage"]
cells = [label,
         f'{i["accepted_per_sec"]:,.0f}/s' if i["target_rate"] else "-",
         f'{w["connected"]}' if w["clients"] else "-",
         f'{w["messages_per_sec"]:,.0f}/s' if w["clients"] else "-",
         f'{w["delivery_latency"]["p50_ms"]:.1f} / {w["delivery_latency"]["p99_ms"]:.1f} ms' if w["clients"] else "-",
         f'{w["server_kib_per_session"]:.1f} KiB' if w.get("server_kib_per_session") else "-",
         f'{u["cpu_avg_percent"]:.0f}%', f'{u["rss_peak_mib"]:.0f} MiB',
         "yes" if s["invariants"]["no_loss"] else "NO"]
print("| " + " | ".join(cells) + " |")
PY
}
header() {
  echo "| run | ingest accepted | sessions | messages | delivery p50 / p99 | memory per session | server CPU (one core = 100%) | server RSS peak | nothing lost |"
  echo "|---|---|---|---|---|---|---|---|---|"
}

ingest() {
  echo "## HTTP ingest (target 200,000 reports/s, batches of 5,000)"
  header
  "$lt" --spawn "$server" --quiet --duration 20 --ingest-rate 200000 --batch 5000 --series 300 \
    --json "$out/ingest.json" >/dev/null
  row "200k/s" "$out/ingest.json"
  "$lt" --spawn "$server" --quiet --duration 20 --ingest-rate 500000 --batch 5000 --series 300 \
    --json "$out/ingest-max.json" >/dev/null
  row "500k/s offered" "$out/ingest-max.json"
}

# One fan-out row from a summary: label, path.
frow() {
  python3 - "$@" <<'PY'
import json, sys
label, path = sys.argv[1:3]
s = json.load(open(path))
w, u, d = s["websocket"], s["server_usage"], s["websocket"]["delivery_latency"]
kib = w.get("server_kib_per_session")
kib = f'{kib:.1f} KiB' if kib is not None else "-"
print(f'| {label} | {w["connected"]:,} | {w["messages_per_sec"]:,.0f}/s | {d["p50_ms"]:.1f} / {d["p99_ms"]:.1f} ms '
      f'| {kib} | {u["cpu_avg_percent"]:.0f}% | {u["rss_peak_mib"]:.0f} MiB |')
PY
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Backend vs load-test/naive_broadcast.py (Python websockets replaying one
# delta captured from the backend to every client at 4 Hz), same clients.
fanout() {
  local py=.tools/venv/bin/python secs=${FANOUT_SECS:-20}
  if ! "$py" -c 'import websockets' 2>/dev/null; then
    echo "fanout needs the websockets package in $py (bash .ci/setup installs it)" >&2
    return 1
  fi
  # One delta as the backend sends it (400 reports/s over 4 series, 250 ms tick).
  "$lt" --spawn "$server" --server-arg --ephemeral --quiet --duration 3 --warmup 1 --drain 2 \
    --ingest-rate 400 --batch 10 --series 4 --ws-clients 1 --ws-capture "$out/capture.jsonl" \
    --json "$out/capture.json" >/dev/null
  echo "## WebSocket fan-out: backend vs a naive Python broadcast (250 ms tick, ${secs} s)"
  echo "Backend: 400 reports/s over 4 series, so each frame carries a small delta; Python: that delta, captured, re-stamped and broadcast 4 times a second."
  echo "| server | sessions | messages | delivery p50 / p99 | memory per session | server CPU (one core = 100%) | server RSS peak |"
  echo "|---|---|---|---|---|---|---|"
  for n in 1000 10000; do
    "$lt" --spawn "$server" --quiet --duration "$secs" --warmup 5 --ingest-rate 400 --batch 10 --series 4 \
      --ws-clients "$n" --expect-no-loss --json "$out/fanout-backend-$n.json" >/dev/null || true
    frow "backend" "$out/fanout-backend-$n.json"
    local port pid
    port=$(free_port)
    (ulimit -n "$(ulimit -Hn)"; exec "$py" load-test/naive_broadcast.py "$out/capture.jsonl" "$port") &
    pid=$!
    "$lt" --server "http://127.0.0.1:$port" --ws-url "ws://127.0.0.1:$port/ws" --server-pid "$pid" --quiet \
      --duration "$secs" --warmup 5 --drain 1 --ws-clients "$n" --json "$out/fanout-python-$n.json" >/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    frow "python (websockets)" "$out/fanout-python-$n.json"
    python3 - "$n" "$out/fanout-backend-$n.json" "$out/fanout-python-$n.json" <<'PY'
import json, sys
b, p = (json.load(open(x))["websocket"]["delivery_latency"]["p99_ms"] for x in sys.argv[2:4])
print(f'| **p99 backend / python** | {int(sys.argv[1]):,} | | **{b / max(p, 1e-9):.2f}** | | | |')
PY
  done
  if [ -n "${FANOUT_KEEP:-}" ]; then cp "$out"/fanout-*.json "$out/capture.jsonl" "$FANOUT_KEEP"/; fi
}

# Ingest latency while WebSocket viewers load the server: the same 100
# requests/s to the main port, then to --ingest-port (store off, so the
# figure is the HTTP path, not the group commit's 250 ms frame).
isolation() {
  local secs=${ISOLATION_SECS:-20}
  echo "## POST /api/ingest at 100 requests/s (10 reports each, ${secs} s) with sessions connected: main port vs --ingest-port"
  echo "| sessions | ingest sent to | requests | request p50 / p99 / max | delivery p99 | server CPU (one core = 100%) |"
  echo "|---|---|---|---|---|---|"
  for n in 0 1000 10000; do
    for where in main ingest; do
      local extra=()
      [ "$where" = ingest ] && extra=(--ingest-listener)
      "$lt" --spawn "$server" --server-arg --ephemeral "${extra[@]}" --quiet --duration "$secs" --warmup 5 \
        --ingest-rate 1000 --batch 10 --series 4 --ws-clients "$n" --json "$out/isolation-$n-$where.json" \
        >/dev/null || true
      python3 - "$n" "$where" "$out/isolation-$n-$where.json" <<'PY'
import json, sys
n, where, path = sys.argv[1:4]
s = json.load(open(path))
i, l, w, u = s["ingest"], s["ingest"]["request_latency"], s["websocket"], s["server_usage"]
port = "main port" if where == "main" else "--ingest-port"
delivery = f'{w["delivery_latency"]["p99_ms"]:.1f} ms' if w["clients"] else "-"
print(f'| {int(n):,} | {port} | {i["requests"]:,} ({i["errors"]} failed) | {l["p50_ms"]:.1f} / {l["p99_ms"]:.1f} / {l["max_ms"]:.1f} ms '
      f'| {delivery} | {u["cpu_avg_percent"]:.0f}% |')
PY
    done
  done
  if [ -n "${ISOLATION_KEEP:-}" ]; then cp "$out"/isolation-*.json "$ISOLATION_KEEP"/; fi
}

reads() {
  echo "## REST reads while ingesting 100,000 reports/s"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$server" --port "$port" --no-simulator --ephemeral >/dev/null 2>&1 &
  local pid=$!
  sleep 1
  "$lt" --server "http://127.0.0.1:$port" --quiet --duration 25 --ingest-rate 100000 --batch 2000 \
    --series 300 >/dev/null &
  local load=$!
  sleep 5
  for path in "/api/stats?window=5m" "/api/stats?window=24h" "/api/metrics/history?window=1h" \
              "/api/metrics/history?window=24h" "/api/metrics?limit=2000"; do
    for _ in $(seq 1 100); do
      curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$path"
      sleep 0.05
    done | python3 -c "
import sys
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f'  {sys.argv[1]:<34} p50 {t[len(t)//2]:6.2f} ms  p95 {t[int(len(t)*0.95)]:6.2f} ms  max {t[-1]:6.2f} ms')
" "$path"
  done
  wait "$load" || true
  kill "$pid" 2>/dev/null || true
}

durable() {
  echo "## HTTP ingest with the durable store on and off (200,000 reports/s, batches of 1,000)"
  echo "| store | accepted | request p50 / p95 / p99 | server CPU | server RSS peak |"
  echo "|---|---|---|---|---|"
  for mode in on off; do
    local extra=()
    [ "$mode" = off ] && extra=(--server-arg --ephemeral)
    "$lt" --spawn "$server" "${extra[@]}" --quiet --duration 20 --ingest-rate 200000 --batch 1000 \
      --series 300 --max-in-flight 128 --json "$out/durable.json" >/dev/null
    python3 - "$mode" "$out/durable.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
i, u, l = s["ingest"], s["server_usage"], s["ingest"]["request_latency"]
print(f'| {sys.argv[1]} | {i["accepted_per_sec"]:,.0f}/s | {l["p50_ms"]:.1f} / {l["p95_ms"]:.1f} / {l["p99_ms"]:.1f} ms '
      f'| {u["cpu_avg_percent"]:.0f}% | {u["rss_peak_mib"]:.0f} MiB |')
PY
  done
  echo
  echo "## The store at the default shape (cargo bench -p backend --bench storage)"
  cargo bench -q -p backend --bench storage 2>/dev/null
}

otlp() {
  echo "## OTLP/HTTP spans vs JSON reports (batches of 512, the OpenTelemetry SDK's default; store on)"
  echo "Spans (or reports) per second at 50 % of one core = 0.5 × accepted/s ÷ the server's average CPU (cores)."
  echo "| format | offered | accepted | request p50 / p99 | server CPU | at 50 % of one core | RSS peak | no loss |"
  echo "|---|---|---|---|---|---|---|---|"
  for rate in 25000 100000 200000; do
    for format in json otlp; do
      "$lt" --spawn "$server" --quiet --duration 15 --ingest-rate "$rate" --batch 512 --series 300 \
        --max-in-flight 128 --ingest-format "$format" --ws-clients 1 --expect-no-loss \
        --json "$out/otlp.json" >/dev/null || true
      python3 - "$format" "$rate" "$out/otlp.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[3]))
i, u, l = s["ingest"], s["server_usage"], s["ingest"]["request_latency"]
cores = max(u["cpu_avg_percent"], 0.1) / 100
print(f'| {sys.argv[1]} | {int(sys.argv[2]):,}/s | {i["accepted_per_sec"]:,.0f}/s | {l["p50_ms"]:.1f} / {l["p99_ms"]:.1f} ms '
      f'| {u["cpu_avg_percent"]:.0f}% | {0.5 * i["accepted_per_sec"] / cores:,.0f}/s | {u["rss_peak_mib"]:.0f} MiB '
      f'| {"yes" if s["invariants"]["no_loss"] else "NO"} |')
PY
    done
  done
}

scaling() {
  echo "## Cost vs ingest rate (no clients)"
  header
  for rate in 1000 10000 100000; do
    "$lt" --spawn "$server" --quiet --duration 15 --ingest-rate "$rate" --batch 1000 --series 300 \
      --json "$out/rate.json" >/dev/null
    row "$rate reports/s" "$out/rate.json"
  done
  echo
  echo "## Cost vs sessions (400 reports/s over 4 series, 250 ms tick)"
  header
  for n in 100 1000 10000; do
    "$lt" --spawn "$server" --quiet --duration 20 --warmup 5 --ingest-rate 400 --batch 10 --series 4 \
      --ws-clients "$n" --expect-no-loss --json "$out/sessions.json" >/dev/null
    row "$n sessions" "$out/sessions.json"
  done
  echo
  echo "## Cost vs tenants (built-in simulator at 2,000 reports/s, 1,000 customers, no clients)"
  header
  for t in 7 70 700; do
    "$lt" --spawn "$server" --with-simulator --server-arg=--tenants --server-arg="$t" \
      --server-arg=--customers --server-arg=1000 --server-arg=--rate --server-arg=2000 \
      --quiet --duration 20 --json "$out/tenants.json" >/dev/null
    row "$t tenants" "$out/tenants.json"
  done
  echo
  echo "## Cost vs customers (built-in simulator at 2,000 reports/s, 7 tenants, no clients)"
  header
  for c in 100 1000 10000; do
    "$lt" --spawn "$server" --with-simulator --server-arg=--customers --server-arg="$c" \
      --server-arg=--rate --server-arg=2000 \
      --quiet --duration 20 --json "$out/customers.json" >/dev/null
    row "$c customers" "$out/customers.json"
  done
}

finance() {
  echo "## Filtered vs unfiltered WebSocket at 10,000 reports/s (20 s, 200 series over 7 tenants, 250 ms tick)"
  echo "Each client of the filtered run subscribes with tenant=lt-t0 and is owed only that tenant's reports."
  echo "| sessions | subscribed with | bytes/s per client | messages/s | delivery p50 / p99 | server CPU (one core = 100%) | server RSS peak | reports owed each | nothing lost |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for n in 100 1000; do
    for filter in "" "tenant=lt-t0"; do
      local extra=()
      [ -n "$filter" ] && extra=(--ws-filter "$filter")
      "$lt" --spawn "$server" "${extra[@]}" --quiet --duration 20 --warmup 3 --ingest-rate 10000 \
        --batch 1000 --series 200 --ws-clients "$n" --expect-no-loss --json "$out/finance-$n-${filter:+one}.json" \
        >/dev/null || true
      python3 - "$n" "$out/finance-$n-${filter:+one}.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
w, u, d = s["websocket"], s["server_usage"], s["websocket"]["delivery_latency"]
print(f'| {sys.argv[1]} | {w["filter"] or "(no filter)"} | {w["bytes_per_sec_per_client"] / 1024:,.1f} KiB/s '
      f'| {w["messages_per_sec"]:,.0f}/s | {d["p50_ms"]:.1f} / {d["p99_ms"]:.1f} ms | {u["cpu_avg_percent"]:.0f}% '
      f'| {u["rss_peak_mib"]:.0f} MiB | {w["expected_reports"]:,} | {"yes" if s["invariants"]["no_loss"] else "NO"} |')
PY
    done
    python3 - "$n" "$out/finance-$n-.json" "$out/finance-$n-one.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[2:4])
bytes_ratio = b["websocket"]["bytes_per_sec_per_client"] / max(a["websocket"]["bytes_per_sec_per_client"], 1e-9)
cpu_ratio = b["server_usage"]["cpu_avg_percent"] / max(a["server_usage"]["cpu_avg_percent"], 1e-9)
print(f'| {sys.argv[1]} | ratio filtered / unfiltered | {bytes_ratio:.3f} | | | {cpu_ratio:.2f} | | | |')
PY
  done
}

# One row of the views benchmark: label, subscription, summary path.
vrow() {
  python3 - "$@" <<'PY'
import json, sys
label, mode, path = sys.argv[1:4]
s = json.load(open(path))
i, w, u, v = s["ingest"], s["websocket"], s["server_usage"], s["websocket"].get("view")
per_client = w["messages_per_sec"] / max(w["connected"], 1)
if v:
    check = (f'versions one by one: {"yes" if v["version_gaps"] == 0 else "NO (%d gaps)" % v["version_gaps"]}; '
             f'totals = /api/stats: {"yes" if v["totals_exact"] else ("within 1 %" if v["totals_agree"] else "NO")} '
             f'({v["view_calls_min"]:,} calls)')
    changes = f'{v["delta_bytes_per_sec_per_client"]:,.0f} B/s'
else:
    check = f'nothing lost: {"yes" if s["invariants"]["no_loss"] else "NO"}; resyncs {w["resyncs"]}'
    changes = "-"
print(f'| {label} | {i["accepted_per_sec"]:,.0f}/s | {mode} | {w["connected"]} | {w["bytes_per_sec_per_client"]:,.0f} B/s | {changes} '
      f'| {per_client:.1f}/s | {u["cpu_avg_percent"]:.0f}% | {u["rss_peak_mib"]:.0f} MiB | {check} |')
PY
}
vratio() {
  python3 - "$@" <<'PY'
import json, sys
label, mode, raw, view = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
b = view["websocket"]["bytes_per_sec_per_client"] / max(raw["websocket"]["bytes_per_sec_per_client"], 1e-9)
c = view["server_usage"]["cpu_avg_percent"] / max(raw["server_usage"]["cpu_avg_percent"], 1e-9)
print(f'| {label} | | **{mode} / raw** | | **{b:.4f}** | | | **{c:.2f}** | | |')
PY
}
# Where a view client's bytes go, from one client's messages.
vparts() {
  python3 - "$@" <<'PY'
import json, sys
label, path = sys.argv[1:3]
v = json.load(open(path))["websocket"]["view"]
f, d, secs = v["full_message"], v["changes"], max(v["connected_seconds"], 1e-9)
def cells(p, per):
    return " | ".join(f'{p[k] / per:,.0f}' for k in ("total", "buckets", "totals", "by_model", "by_tenant", "top_customers", "spend_rate", "envelope"))
print(f'| {label} | full message (B) | {cells(f, max(f["messages"], 1))} | {f["bucket_count"] / max(f["messages"], 1):.0f} |')
print(f'| {label} | changes (B/s) | {cells(d, secs)} | {d["bucket_count"] / max(d["messages"], 1):.2f} a message, {d["messages"] / secs:.2f} messages/s |')
PY
}

views() {
  echo "## Raw stream vs server-side view (issue 14): bytes per dashboard vs ingest rate"
  echo "10 WebSocket clients, 20 s of ingest, 200 series over 7 tenants. raw: subscribe (every update, 250 ms tick);"
  echo "view: subscribeView {window: 5m} (the full view once, then its changes per 1 s server tick), as JSON text;"
  echo "deflate: the same view with encoding deflate (binary frames, as the web client asks)."
  echo "| offered | accepted | subscription | clients | bytes/s per client | of which changes | messages/s per client | server CPU (one core = 100%) | server RSS peak | checks |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for rate in 100 1000 10000 100000; do
    local batch=$((rate / 10))
    [ "$batch" -gt 1000 ] && batch=1000
    for mode in raw view deflate; do
      local extra=() no_loss=(--expect-no-loss)
      [ "$mode" = view ] && extra=(--ws-view 5m)
      [ "$mode" = deflate ] && extra=(--ws-view 5m --ws-deflate)
      # Raw clients cannot keep up with 100,000 updates/s each on two shared cores: measured, not asserted.
      [ "$rate" -ge 100000 ] && [ "$mode" = raw ] && no_loss=()
      "$lt" --spawn "$server" "${extra[@]}" "${no_loss[@]}" --quiet --duration 20 --warmup 2 --drain 5 \
        --ingest-rate "$rate" --batch "$batch" --series 200 --ws-clients 10 \
        --json "$out/views-$rate-$mode.json" >/dev/null || true
      vrow "$rate/s" "$mode" "$out/views-$rate-$mode.json"
    done
    vratio "$rate/s" view "$out/views-$rate-raw.json" "$out/views-$rate-view.json"
    vratio "$rate/s" deflate "$out/views-$rate-raw.json" "$out/views-$rate-deflate.json"
  done
  echo
  echo "## Where a view client's bytes go (one client of each view run above)"
  echo "| offered | of | total | buckets | totals | byModel | byTenant | topCustomers | spendRatePerHour | envelope | buckets a message |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for rate in 100 1000 10000 100000; do
    vparts "$rate/s" "$out/views-$rate-view.json"
  done
  echo
  echo "## 1,000 watchers of the same view vs 1,000 raw subscribers at 10,000 reports/s (20 s)"
  echo "| offered | accepted | subscription | clients | bytes/s per client | of which changes | messages/s per client | server CPU (one core = 100%) | server RSS peak | checks |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for mode in raw view deflate; do
    local extra=()
    [ "$mode" = view ] && extra=(--ws-view 5m)
    [ "$mode" = deflate ] && extra=(--ws-view 5m --ws-deflate)
    "$lt" --spawn "$server" "${extra[@]}" --expect-no-loss --quiet --duration 20 --warmup 3 --drain 5 \
      --ingest-rate 10000 --batch 1000 --series 200 --ws-clients 1000 \
      --json "$out/views-1000-$mode.json" >/dev/null || true
    vrow "10000/s" "$mode" "$out/views-1000-$mode.json"
  done
  vratio "10000/s" view "$out/views-1000-raw.json" "$out/views-1000-view.json"
  vratio "10000/s" deflate "$out/views-1000-raw.json" "$out/views-1000-deflate.json"
  if [ -n "${VIEWS_KEEP:-}" ]; then cp "$out"/views-*.json "$VIEWS_KEEP"/; fi
}

case "${1:-all}" in
  ingest) ingest ;;
  fanout) fanout ;;
  isolation) isolation ;;
  reads) reads ;;
  scaling) scaling ;;
  durable) durable ;;
  otlp) otlp ;;
  finance) finance ;;
  views) views ;;
  all) ingest; echo; fanout; echo; isolation; echo; reads; echo; scaling; echo; durable; echo; otlp; echo; finance; echo; views ;;
  *) echo "usage: $0 ingest|fanout|isolation|reads|scaling|durable|otlp|finance|views|all" >&2; exit 2 ;;
esac

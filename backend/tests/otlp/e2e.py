"""The OTLP receiver end to end with the real OpenTelemetry Python SDK.

A TracerProvider with the SDK's BatchSpanProcessor and OTLP/HTTP exporter,
configured only through the standard OTEL_* environment variables (gzip and
an ingest token included), exports GenAI spans as protobuf. The same spans
then go out as OTLP/JSON: the Python SDK has no JSON exporter, so an
exporter here encodes the batch with the SDK's own OTLP encoder and writes
it with protobuf's JSON mapping, ids in hex as OTLP/JSON requires. The test
then finds exactly those calls, tokens and costs in /api/stats, the updates
in /api/metrics, and the span counters in /metrics.

Usage: python e2e.py <base url> <ingest token> <admin token> <prices.json>
(run.sh starts the server and passes these).
"""

import base64
import json
import os
import sys
import time
import urllib.request

BASE, INGEST_TOKEN, ADMIN_TOKEN, PRICES = sys.argv[1:5]

os.environ.update({
    "OTEL_EXPORTER_OTLP_ENDPOINT": BASE,
    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
    "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
    "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer%20{INGEST_TOKEN}",
    "OTEL_RESOURCE_ATTRIBUTES": "tenant.id=py-otel,service.name=py-app",
})

from google.protobuf import json_format  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)


def request(method, path, body=None, headers=None, token=ADMIN_TOKEN):
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.status, res.headers.get("content-type"), res.read()


def get_json(path):
    return json.loads(request("GET", path)[2])


class Recording(OTLPSpanExporter):
    """The SDK's exporter, remembering what each export returned."""

    results = []

    def export(self, spans):
        result = super().export(spans)
        self.results.append(result)
        return result


class OtlpJson(SpanExporter):
    """OTLP/JSON over HTTP from the SDK's own encoding of the batch."""

    results = []

    def export(self, spans):
        message = json_format.MessageToDict(encode_spans(spans), use_integers_for_enums=True)
        for rs in message.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = base64.b64decode(span[key]).hex()
        body = json.dumps(message).encode()
        status, content_type, answer = request(
            "POST", "/v1/traces", body, {"Content-Type": "application/json"}, INGEST_TOKEN
        )
        assert content_type.startswith("application/json"), content_type
        self.answers.append(json.loads(answer))
        ok = status == 200
        self.results.append(SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE)
        return self.results[-1]

    answers = []

    def shutdown(self):
        pass


def emit(provider):
    """Five spans: four GenAI calls (one unpriced) and one plain HTTP span."""
    tracer = provider.get_tracer("finops-e2e")
    calls = [
        ("chat gpt-4o", {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300,
            "gen_ai.usage.cache_read.input_tokens": 1000, "enduser.id": "cust-a",
        }),
        ("chat claude", {
            "gen_ai.operation.name": "chat", "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-20250514",
            # Anthropic's usage: fresh input apart from cache reads and writes.
            "gen_ai.usage.input_tokens": 200, "gen_ai.usage.output_tokens": 500,
            "gen_ai.usage.cache_read_input_tokens": 8000,
            "gen_ai.usage.cache_creation_input_tokens": 1000, "enduser.id": "cust-b",
        }),
        ("chat house", {
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "house-model-1",
            "gen_ai.usage.prompt_tokens": 100, "gen_ai.usage.completion_tokens": 50,
            "enduser.id": "cust-a",
        }),
        ("chat mini", {
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5,
            "gen_ai.usage.cost": 0.42, "enduser.id": "cust-b",
        }),
    ]
    for name, attributes in calls:
        with tracer.start_as_current_span(name, attributes=attributes):
            time.sleep(0.01)
    with tracer.start_as_current_span("GET /health", attributes={"http.method": "GET"}):
        pass


def price(provider, model):
    table = json.load(open(PRICES))
    for p in table["providers"]:
        if p["id"] == provider:
            for m in p["models"]:
                if m["id"] == model:
                    return m["prices"]
    raise SystemExit(f"{provider}/{model} not in {PRICES}")


def expected_cost():
    gpt, sonnet = price("openai", "gpt-4o"), price("anthropic", "claude-sonnet-4-0")
    gpt_cost = (200 * gpt["input"] + 1000 * gpt["cacheRead"] + 300 * gpt["output"]) / 1e6
    sonnet_cost = (200 * sonnet["input"] + 8000 * sonnet["cacheRead"]
                   + 1000 * sonnet["cacheWrite"] + 500 * sonnet["output"]) / 1e6
    return gpt_cost + sonnet_cost + 0.42


def wait_for(tenant, calls):
    deadline = time.time() + 15
    while True:
        stats = get_json("/api/stats?window=15m&customers=50")
        got = next((t for t in stats["byTenant"] if t["tenantId"] == tenant), None)
        if got and got["metrics"]["totalCalls"] >= calls:
            return stats, got["metrics"]
        assert time.time() < deadline, f"{tenant}: {got}"
        time.sleep(0.2)


def check(tenant, answers=None):
    stats, m = wait_for(tenant, 4)
    assert m["totalCalls"] == 4, m
    # Anthropic's cached tokens are added to its input: 200 + 8000 + 1000.
    assert m["inputTokens"] == 1200 + 9200 + 100 + 10, m
    assert m["outputTokens"] == 300 + 500 + 50 + 5, m
    assert m["cacheReadTokens"] == 9000 and m["cacheWriteTokens"] == 1000, m
    assert m["unpricedCalls"] == 1, m
    assert abs(m["totalCost"] - expected_cost()) < 1e-9, (m["totalCost"], expected_cost())
    ours = [c for c in stats["topCustomers"] if c["tenantId"] == tenant]
    assert sorted(c["customerId"] for c in ours) == ["cust-a", "cust-b"], ours
    print(f"{tenant}: 4 calls, {m['totalTokens']} tokens, ${m['totalCost']:.6f}, 1 unpriced")


def main():
    started = time.time()
    # Protobuf with gzip, through the SDK's own exporter and batch processor.
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Recording()))
    emit(provider)
    provider.force_flush()
    provider.shutdown()
    assert Recording.results and all(r == SpanExportResult.SUCCESS for r in Recording.results), Recording.results
    check("py-otel")

    # The same spans as OTLP/JSON, for another tenant.
    provider = TracerProvider(resource=Resource.create({"tenant.id": "py-otel-json", "service.name": "py-app"}))
    provider.add_span_processor(BatchSpanProcessor(OtlpJson()))
    emit(provider)
    provider.force_flush()
    provider.shutdown()
    assert OtlpJson.results == [SpanExportResult.SUCCESS], OtlpJson.results
    assert OtlpJson.answers == [{}], OtlpJson.answers
    check("py-otel-json")

    # The feed carries the same updates, models under their family names.
    since = int(started * 1000) - 1000
    feed = get_json(f"/api/metrics?since={since}&limit=10000")["metrics"]
    ours = [u for u in feed if u["tenantId"].startswith("py-otel")]
    assert sum(u["metrics"]["totalCalls"] for u in ours) == 8, ours
    models = {u["model"] for u in ours}
    assert models == {"gpt-4o", "claude-sonnet-4", "house-model-1", "gpt-4o-mini"}, models

    text = request("GET", "/metrics")[2].decode()
    for line in [
        'finops_reports_ingested_total{source="otlp"} 8',
        'finops_otlp_spans_total{outcome="accepted"} 8',
        'finops_otlp_spans_total{outcome="ignored"} 2',
        'finops_unpriced_calls_total{source="otlp"} 2',
    ]:
        assert line in text, f"{line} missing from /metrics"
    print("OTLP end to end: protobuf (gzip) and JSON exports from the Python SDK match exactly")


main()

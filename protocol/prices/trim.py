#!/usr/bin/env python3
"""Writes prices.json, the price table the server vendors, from a reviewed
wheel of pydantic's genai-prices (MIT). Run by hand when prices change:

    pip download --no-deps genai-prices==0.2.3 -d /tmp/gp
    python3 protocol/prices/trim.py /tmp/gp/genai_prices-0.2.3-py3-none-any.whl 2026-12-01

The wheel's sha256 must equal WHEEL_SHA256 below (update both together after
reading the diff of data.py). The data module is loaded on its own, without
the package's network updater; it needs `pydantic` importable. The output
keeps the providers users send, each model's token prices in force on the
as-of date (noon UTC), and the match rules that resolve aliases and dated
snapshots, and nothing else. Its sha256 goes into SOURCE.md; a test checks it.
"""

import datetime
import hashlib
import json
import sys
import tempfile
import types
import zipfile
from decimal import Decimal
from pathlib import Path

VERSION = "0.2.3"
WHEEL_SHA256 = "56976ce2b04ec206117f7d0e53f4849211a6724ab3a12119afec304eba63ee25"

# Providers whose models users of a FinOps dashboard send, by genai-prices id.
PROVIDERS = [
    "openai", "anthropic", "google", "aws", "azure", "mistral", "deepseek",
    "x-ai", "groq", "cohere", "meta", "together", "fireworks", "perplexity",
]

# Token prices kept, genai-prices key -> ours. Everything else (audio, image,
# web searches, 1-hour cache writes) is outside what a usage report carries.
PRICE_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cacheRead",
    "cache_write_mtok": "cacheWrite",
    "output_reasoning_mtok": "reasoning",
}


def load(wheel: Path):
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {digest} is not the reviewed {WHEEL_SHA256}")
    tmp = Path(tempfile.mkdtemp())
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    pkg = types.ModuleType("genai_prices")
    pkg.__path__ = [str(tmp / "genai_prices")]
    sys.modules["genai_prices"] = pkg
    import genai_prices.data as data  # noqa: E402

    return data.providers, digest


def number(value):
    return float(value) if isinstance(value, Decimal) else value


def price(value):
    if value is None:
        return None
    if hasattr(value, "base"):
        return {
            "base": number(value.base),
            "tiers": [{"start": t.start, "price": number(t.price)} for t in value.tiers],
        }
    return number(value)


def clause(logic):
    name = type(logic).__name__
    if name == "ClauseOr":
        return {"or": [clause(c) for c in logic.or_]}
    if name == "ClauseAnd":
        return {"and": [clause(c) for c in logic.and_]}
    for field, key in [
        ("equals", "equals"),
        ("starts_with", "startsWith"),
        ("ends_with", "endsWith"),
        ("contains", "contains"),
        ("regex", "regex"),
    ]:
        if hasattr(logic, field):
            return {key: getattr(logic, field)}
    raise SystemExit(f"unknown match clause {name}")


def model_entry(model, as_of):
    prices = model.get_prices(as_of)
    kept = {ours: price(getattr(prices, theirs, None)) for theirs, ours in PRICE_KEYS.items()}
    kept = {k: v for k, v in kept.items() if v is not None}
    if "input" not in kept and "output" not in kept:
        return None
    entry = {"id": model.id, "match": clause(model.match), "prices": kept}
    if model.name:
        entry["name"] = model.name
    return entry


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    wheel, as_of_day = Path(sys.argv[1]), sys.argv[2]
    as_of = datetime.datetime.fromisoformat(as_of_day + "T12:00:00+00:00")
    providers, digest = load(wheel)
    out = []
    for provider in providers:
        if provider.id not in PROVIDERS:
            continue
        models = [m for m in (model_entry(m, as_of) for m in provider.models) if m]
        entry = {"id": provider.id, "name": provider.name, "models": models}
        if provider.provider_match is not None:
            entry["providerMatch"] = clause(provider.provider_match)
        if provider.model_match is not None:
            entry["modelMatch"] = clause(provider.model_match)
        fallback = [p for p in provider.fallback_model_providers or [] if p in PROVIDERS]
        if fallback:
            entry["fallbackModelProviders"] = fallback
        out.append(entry)
    table = {
        "source": {
            "package": "genai-prices",
            "version": VERSION,
            "file": wheel.name,
            "sha256": digest,
            "licence": "MIT",
            "url": f"https://pypi.org/project/genai-prices/{VERSION}/",
        },
        "pricesAsOf": as_of_day,
        "unit": "US dollars per million tokens",
        "providers": out,
    }
    target = Path(__file__).with_name("prices.json")
    target.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    body = target.read_bytes()
    print(f"{target}: {len(body)} bytes, {sum(len(p['models']) for p in out)} models")
    print(f"sha256 {hashlib.sha256(body).hexdigest()}")


if __name__ == "__main__":
    main()

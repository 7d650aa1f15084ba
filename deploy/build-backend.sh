#!/usr/bin/env bash
# Release build of the server and the load-test CLI. CI (.ci/test) and
# deploy/backend.Dockerfile both run exactly this, so what CI proves is what the image holds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p backend -p load-test

#!/usr/bin/env bash
# Search benchmark: indexes a deterministic synthetic corpus of Japanese municipal documents
# (100,000 by default) and prints indexing throughput, p50/p99 query latency with and
# without filters, index size and resident memory, next to SQL LIKE on SQLite.
#
#   bash bench/search.sh [DOCS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked --quiet --example search_bench -- "${1:-100000}"

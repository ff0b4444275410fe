#!/usr/bin/env bash
# Search benchmark: indexes a deterministic synthetic corpus of Japanese municipal documents
# (100,000 by default) and prints indexing throughput, p50/p99 query latency with and
# without filters, index size, next to SQL LIKE on SQLite over the same documents.
#
# Then it measures the server itself: `tsunagu serve --demo` is started on a loopback port
# with that index as its index directory (the benchmark commits it with a current
# checkpoint, so the server serves it without rebuilding), answers SEARCH_REQUESTS
# `search` queries with filters over HTTP, one at a time and past the response cache, and the script prints the
# server's HTTP latency and its resident memory (VmRSS and peak VmHWM of the server
# process, read from /proc). The server is stopped on exit, whatever happens.
#
#   bash bench/search.sh [DOCS]
#
# Settings (environment): SEARCH_REQUESTS (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."

DOCS="${1:-100000}"
REQUESTS="${SEARCH_REQUESTS:-300}"

for tool in curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "bench: $tool is required" >&2
        exit 1
    }
done

cargo build --release --locked --quiet --bin tsunagu --example search_bench

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/data"
target/release/examples/search_bench "$DOCS" --server-index "$work/data/index"

echo
echo "==> tsunagu serve --demo with the $DOCS-document index"
TSUNAGU_DATA_DIR="$work/data" RUST_LOG="${RUST_LOG:-warn}" \
    target/release/tsunagu serve --demo --host 127.0.0.1 --port 0 \
    >"$work/server.log" 2>&1 &
server_pid=$!

address=""
for _ in $(seq 1 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "bench: the server exited during start-up:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    address="$(sed -n 's|^tsunagu is serving GraphQL at \(http://[^/]*\)/graphql.*|\1|p' "$work/server.log" | head -n 1)"
    if [ -n "$address" ] && curl -fsS -o /dev/null "$address/readyz" 2>/dev/null; then
        break
    fi
    address=""
    sleep 0.2
done
if [ -z "$address" ]; then
    echo "bench: the server did not become ready within 120 seconds:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

rss() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$server_pid/status"; }
idle_kb="$(rss VmRSS)"

python3 - "$address" "$REQUESTS" "$work/latency.txt" <<'EOF'
import json, sys, time, urllib.request

address, requests, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
query = (
    "query($text: String!, $filter: SearchFilter) { search(text: $text, filter: $filter, first: 20) "
    "{ hits { totalCount nodes { kind titleHtml snippetHtml } } kindCounts { kind count } "
    "categoryCounts { category count } } }"
)
texts = ["子育て ひろば", "移住相談会", "美術館 ワークショップ", "ｾﾐﾅｰ 前橋", "託児付き 講座"]
filters = [
    {},
    {"kinds": ["PROGRAM"], "childAgeMonths": 24, "hasFreePlaces": True},
    {"categories": ["PARENTING", "CHILDCARE"]},
]
times, total = [], 0
for i in range(requests):
    body = json.dumps({"query": query, "variables": {"text": texts[i % len(texts)], "filter": filters[i % len(filters)]}}).encode()
    # `no-cache`: every search is computed, none answered from the response cache.
    request = urllib.request.Request(f"{address}/graphql", data=body, headers={"Content-Type": "application/json", "Cache-Control": "no-cache"})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    times.append(time.perf_counter() - started)
    if answer.get("errors"):
        sys.exit(f"bench: search answered with errors: {answer}")
    total += answer["data"]["search"]["hits"]["totalCount"]
times.sort()
pick = lambda p: times[round((len(times) - 1) * p)] * 1000
with open(out, "w") as f:
    f.write(f"{requests} search requests over HTTP, one at a time: p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms ({total} hits counted)\n")
EOF
cat "$work/latency.txt"
echo "server resident memory: idle $((idle_kb / 1024)) MB, after the searches $(($(rss VmRSS) / 1024)) MB (heap $(($(rss RssAnon) / 1024)) MB, mapped index files $(($(rss RssFile) / 1024)) MB), peak $(($(rss VmHWM) / 1024)) MB"

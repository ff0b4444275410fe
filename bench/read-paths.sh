#!/usr/bin/env bash
# Read paths of the release server, side by side in one run, as shares of its own ceiling:
#
#   bash bench/read-paths.sh
#
# Builds the release binary, starts `tsunagu serve --demo` on a free loopback port with a
# throwaway data directory, adds 30 published programmes with 3 upcoming sessions each (as
# 真鶴町's programme staff), logs in as a demo administrator, and measures with wrk, in
# alternating rounds so that drift of the machine hits every query alike:
#
#   typename            { __typename }, anonymous: the server's ceiling, 100 %
#   programs            programs(first: 20) with organizer and upcoming sessions (seatsRemaining)
#   programs uncached   the same with `Cache-Control: no-cache`: the response cache is skipped
#   search              two Japanese words, one municipality, 10 hits with snippets and kind counts
#   articles            articles(first: 20) id, title, summary
#   typename signed in  { __typename } with a bearer token
#   me                  me { id displayName } with a bearer token
#   PostGraphile        with BENCH_PEER=1: PostGraphile 5 serving the same shape as `programs`
#                       from its own PostgreSQL cluster (bench/peer.sh), in the same rounds
#
# It prints the median round of each (requests/s, p50, p99), its share of the ceiling, and
# the SQL statements one request of it runs (read from /metrics with the server otherwise
# idle, around the second of two requests in a row; for programs also at 5 and 50 items, to show that the count does not grow with the
# page), and the server's resident memory before and after the rounds. Any non-200 answer
# or body with GraphQL errors fails the run.
#
# Needs wrk (`apt-get install wrk`), curl and python3. Settings (environment):
#   BENCH_SECONDS       length of one measurement (default 5)
#   BENCH_ROUNDS        rounds (default 3)
#   BENCH_CONNECTIONS   concurrent connections (default 32)
#   BENCH_BINARY        measure this build instead of building target/release/tsunagu
#   DATABASE_URL        measure against this PostgreSQL database instead of a fresh SQLite
#                       file (an empty database: the demo data is loaded into it); on the
#                       same machine add `?sslmode=disable`, as the peer's cluster has no TLS
#   BENCH_PEER=1        also measure the PostGraphile peer (needs PostgreSQL's server binaries
#                       and Node.js; installs PostGraphile into bench/peer on first use)
set -euo pipefail

cd "$(dirname "$0")/.."

SECONDS_EACH="${BENCH_SECONDS:-5}"
ROUNDS="${BENCH_ROUNDS:-3}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
ADMIN_EMAIL=maebashi-admin@example.jp
STAFF_EMAIL=manazuru-staff@example.jp
DEMO_PASSWORD='tsunagu-demo-2026!'

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "bench: $tool is required (wrk: apt-get install wrk)" >&2
        exit 1
    }
done

if [ -z "${BENCH_BINARY:-}" ]; then
    echo "==> cargo build --release --locked"
    cargo build --release --locked --bin tsunagu
fi

# shellcheck source=bench/server.sh
. bench/server.sh
start_server TSUNAGU_PUBLIC_RATE_PER_MINUTE=100000000
if [ "${BENCH_PEER:-}" = 1 ]; then
    # shellcheck source=bench/peer.sh
    . bench/peer.sh
    start_peer
fi

echo "==> adding 30 programmes with 3 upcoming sessions each"
python3 bench/lib/populate.py "$address/graphql" "$(login "$STAFF_EMAIL")"
admin_token="$(login "$ADMIN_EMAIL")"
manazuru="$(graphql '{ municipality(jisCode: "14384") { id } }' '{}' '' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["municipality"]["id"])')"

programs_query() {
    echo "{ programs(first: $1) { totalCount nodes { id title kind organizer { name } sessions(upcomingOnly: true) { id startsAt seatsRemaining } } } }"
}
search_query="{ search(text: \"自然 体験\", filter: { municipalityId: \"$manazuru\" }, first: 10) { kindCounts { kind count } hits { totalCount nodes { kind titleHtml snippetHtml node { id } } } } }"
articles_query='{ articles(first: 20) { nodes { id title summary } } }'
me_query='{ me { id displayName } }'

# name|query|authorization|cache-control|url (the server's unless given)
measurements=(
    "typename|{ __typename }||"
    "programs|$(programs_query 20)||"
    "programs uncached|$(programs_query 20)||no-cache"
    "search|$search_query||"
    "articles|$articles_query||"
    "typename signed in|{ __typename }|Bearer $admin_token|"
    "me|$me_query|Bearer $admin_token|"
)
if [ -n "${peer_url:-}" ]; then
    measurements+=("PostGraphile|$peer_query|||$peer_url")
fi

body_of() {
    python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}, ensure_ascii=False))' "$1"
}

# Statements one request runs: the statement counter of /metrics around the second of two
# requests in a row, so that, as under load, the session and the organizers and
# municipalities it names were read just before (the response cache is skipped).
statements_of() {
    local query=$1 authorization=$2 before after
    ask() {
        curl -fsS -o /dev/null "$address/graphql" -H 'Content-Type: application/json' -H 'Cache-Control: no-cache' \
            ${authorization:+-H "Authorization: $authorization"} --data-binary "$(body_of "$query")"
    }
    ask
    before="$(curl -fsS "$address/metrics" | awk '/^tsunagu_db_statements_total/ { n += $2 } END { print n + 0 }')"
    ask
    after="$(curl -fsS "$address/metrics" | awk '/^tsunagu_db_statements_total/ { n += $2 } END { print n + 0 }')"
    echo $((after - before))
}

resident() { awk '/^VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server_pid/status"; }
resident_before="$(resident)"
results="$work/results"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
    for entry in "${measurements[@]}"; do
        IFS='|' read -r name query authorization cache_control url <<<"$entry"
        line="$(BENCH_BODY="$(body_of "$query")" BENCH_AUTHORIZATION="$authorization" \
            BENCH_CACHE_CONTROL="$cache_control" \
            wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --timeout 10s -s bench/lib/graphql.lua \
            "${url:-$address/graphql}" | grep '^RESULT ')"
        echo "    round $round  $name: $line"
        echo "$name|$line" >>"$results"
    done
done

resident_after="$(resident)"
statements="$work/statements"
: >"$statements"
for entry in "${measurements[@]}"; do
    IFS='|' read -r name query authorization _ url <<<"$entry"
    if [ -z "$url" ]; then
        echo "$name|$(statements_of "$query" "$authorization")" >>"$statements"
    fi
done
echo "programs, 5 items|$(statements_of "$(programs_query 5)" "")" >>"$statements"
echo "programs, 50 items|$(statements_of "$(programs_query 50)" "")" >>"$statements"

echo
python3 - "$results" "$statements" "${DATABASE_URL:+PostgreSQL}" "$SECONDS_EACH" "$ROUNDS" "$CONNECTIONS" <<'PY'
import statistics, sys
results, statements, database, seconds, rounds, connections = sys.argv[1:7]
runs = {}
for line in open(results, encoding="utf-8"):
    name, result = line.rstrip("\n").split("|")
    _, rps, p50, p99, failed = result.split()
    runs.setdefault(name, []).append((float(rps), float(p50), float(p99), int(failed)))
counts = dict(line.rstrip("\n").split("|") for line in open(statements, encoding="utf-8"))
print(f"{database or 'SQLite'}: median of {rounds} rounds of {seconds} s, {connections} connections, loopback")
print()
print(f"| {'request':<20} | {'req/s':>8} | {'% of ceiling':>12} | {'p50 ms':>7} | {'p99 ms':>7} | {'statements':>10} |")
print(f"|{'-' * 22}|{'-' * 10}:|{'-' * 14}:|{'-' * 9}:|{'-' * 9}:|{'-' * 12}:|")
ceiling = None
failed = 0
for name, samples in runs.items():
    median = sorted(samples)[len(samples) // 2]
    ceiling = ceiling or median[0]
    failed += sum(sample[3] for sample in samples)
    print(f"| {name:<20} | {median[0]:>8.0f} | {100 * median[0] / ceiling:>11.1f}% | {median[1]:>7.2f} | {median[2]:>7.2f} | {counts.get(name, ''):>10} |")
for name in ("programs, 5 items", "programs, 50 items"):
    print(f"| {name:<20} | {'':>8} | {'':>12} | {'':>7} | {'':>7} | {counts[name]:>10} |")
if "PostGraphile" in runs:
    median = {name: sorted(samples)[len(samples) // 2] for name, samples in runs.items()}
    peer = median["PostGraphile"]
    print()
    for name in ("programs", "programs uncached"):
        ours = median[name]
        print(f"{name} against PostGraphile on the same shape: {ours[0] / peer[0]:.1f}x its requests/s, p99 {ours[2] / peer[2]:.2f}x its p99")
if failed:
    sys.exit(f"bench: {failed} requests failed (non-200 or GraphQL errors)")
PY
echo
echo "resident memory of the server: $resident_before before the rounds, $resident_after after"

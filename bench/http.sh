#!/usr/bin/env bash
# HTTP benchmark of the GraphQL endpoint on loopback.
#
#   bash bench/http.sh
#
# Builds the release binary, starts `tsunagu serve --demo` on a free port with a throwaway
# data directory (embedded SQLite), logs in as a demo administrator and measures two
# requests with the load generator oha:
#
#   typename  POST /graphql  { __typename }                    (anonymous, no database)
#   me        POST /graphql  { me { id displayName } }         (bearer token: one session
#                                                              lookup and one user read)
#
# and prints requests per second and p50/p99 latency of each. The server is stopped on
# exit, whatever happens.
#
# oha is installed on first use with `cargo install` into target/bench-tools (inside the
# build directory, not on the global PATH; `cargo clean` removes it).
#
# Settings (environment):
#   BENCH_DURATION     how long each measurement runs (default 10s)
#   BENCH_CONNECTIONS  concurrent connections (default 32)
#   DATABASE_URL       measure against this database instead of a fresh SQLite file, e.g.
#                      postgres://postgres@127.0.0.1:5432/tsunagu_bench (demo data is loaded)
set -euo pipefail

cd "$(dirname "$0")/.."

OHA_VERSION=1.16.0
TOOLS_ROOT=target/bench-tools
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
ADMIN_EMAIL=maebashi-admin@example.jp
DEMO_PASSWORD='tsunagu-demo-2026!'

for tool in curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "bench: $tool is required" >&2
        exit 1
    }
done

echo "==> cargo build --release --locked"
cargo build --release --locked

OHA="$TOOLS_ROOT/bin/oha"
if ! [ -x "$OHA" ] || ! "$OHA" --version 2>/dev/null | grep -qF "$OHA_VERSION"; then
    echo "==> installing oha $OHA_VERSION into $TOOLS_ROOT"
    cargo install oha --locked --version "$OHA_VERSION" --root "$TOOLS_ROOT"
fi

# shellcheck source=bench/server.sh
. bench/server.sh
start_server

login_body="$(python3 -c '
import json, sys
query = "mutation($input: LogInInput!) { logIn(input: $input) { session { token } userErrors { code message } } }"
print(json.dumps({"query": query, "variables": {"input": {"email": sys.argv[1], "password": sys.argv[2]}}}))
' "$ADMIN_EMAIL" "$DEMO_PASSWORD")"
token="$(curl -fsS "$address/graphql" -H 'Content-Type: application/json' --data-binary "$login_body" |
    python3 -c '
import json, sys
body = json.load(sys.stdin)
session = ((body.get("data") or {}).get("logIn") or {}).get("session")
if not session:
    sys.exit("bench: login failed: " + json.dumps(body, ensure_ascii=False))
print(session["token"])
')"
echo "    logged in as $ADMIN_EMAIL"

# Every measured request must succeed; check each once before loading the server.
check() {
    local name=$1 body=$2
    shift 2
    local answer
    answer="$(curl -fsS "$address/graphql" -H 'Content-Type: application/json' "$@" --data-binary "$body")"
    if ! printf '%s' "$answer" | python3 -c 'import json, sys; b = json.load(sys.stdin); sys.exit(1 if b.get("errors") or not b.get("data") else 0)'; then
        echo "bench: $name answered with errors: $answer" >&2
        exit 1
    fi
    echo "    $name -> $answer"
}
typename_body='{"query":"{ __typename }"}'
me_body='{"query":"{ me { id displayName } }"}'
check typename "$typename_body"
check me "$me_body" -H "Authorization: Bearer $token"

measure() {
    local name=$1 body=$2
    shift 2
    echo "==> $name: $DURATION, $CONNECTIONS connections"
    "$OHA" -z "$DURATION" -w -c "$CONNECTIONS" --no-tui --output-format json \
        -m POST -H 'Content-Type: application/json' "$@" -d "$body" \
        "$address/graphql" >"$work/$name.json" &
    # In the background so that a signal stops the measurement (and the server) at once.
    extra_pids=$!
    wait "$extra_pids"
    extra_pids=""
}
measure typename "$typename_body"
measure me "$me_body" -H "Authorization: Bearer $token"

echo
python3 - "$work/typename.json" "$work/me.json" "$DURATION" "$CONNECTIONS" <<'EOF'
import json, sys

files, duration, connections = sys.argv[1:3], sys.argv[3], sys.argv[4]
labels = {"typename": "{ __typename }", "me": "{ me { id displayName } }"}
print(f"POST /graphql, {duration} each, {connections} connections, loopback")
print()
print(f"{'query':<28} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'non-200':>8}")
failed = False
for path in files:
    name = path.rsplit("/", 1)[-1].removesuffix(".json")
    report = json.load(open(path))
    summary = report["summary"]
    percentiles = report["latencyPercentiles"]
    statuses = report.get("statusCodeDistribution", {})
    errors = sum(report.get("errorDistribution", {}).values())
    not_ok = sum(count for code, count in statuses.items() if code != "200") + errors
    failed |= not_ok > 0
    print(
        f"{labels[name]:<28} {summary['requestsPerSec']:>11.0f} "
        f"{percentiles['p50'] * 1000:>8.2f} {percentiles['p99'] * 1000:>8.2f} {not_ok:>8}"
    )
if failed:
    sys.exit("bench: some requests failed (see the non-200 column)")
EOF

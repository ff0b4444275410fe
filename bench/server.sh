# Shared by the HTTP benchmarks: start a release `tsunagu serve --demo` on a free port with a
# throwaway data directory, and stop it on exit. Source it, then call `start_server`.
#
# After `start_server`: `$address` is `http://127.0.0.1:PORT`, `$work` a temporary directory
# removed on exit, `$server_pid` the server. Add processes to stop on exit to `$extra_pids`.
# Environment given to `start_server` (e.g. `TSUNAGU_PUBLIC_RATE_PER_MINUTE=…`) reaches the
# server; `DATABASE_URL` chooses another database than a fresh SQLite file; `BENCH_BINARY`
# runs another build than target/release/tsunagu (e.g. a copy kept to compare against).

work="$(mktemp -d)"
server_pid=""
extra_pids=""
cleanup() {
    local pid
    for pid in $extra_pids $server_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    # A PostGraphile peer (bench/peer.sh) keeps its PostgreSQL cluster under $work.
    if declare -F stop_peer >/dev/null; then
        stop_peer
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() {
    echo "==> starting tsunagu serve --demo"
    # Port 0 lets the server pick a free port; it prints the address it listens on.
    env "$@" TSUNAGU_DATA_DIR="$work/data" RUST_LOG="${RUST_LOG:-warn}" \
        "${BENCH_BINARY:-target/release/tsunagu}" serve --demo --host 127.0.0.1 --port 0 \
        >"$work/server.log" 2>&1 &
    server_pid=$!
    address=""
    for _ in $(seq 1 300); do
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
        echo "bench: the server did not become ready within 60 seconds:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    echo "    ready at $address"
}

# `graphql QUERY VARIABLES_JSON TOKEN`: a request to the started server that must answer
# without errors; prints its `data`. `login EMAIL`: a demo account's bearer token
# (`$DEMO_PASSWORD`).
graphql() {
    python3 - "$address/graphql" "$@" <<'PY'
import json, sys, urllib.request
url, query, variables, token = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
headers = {"Content-Type": "application/json"}
if token:
    headers["Authorization"] = "Bearer " + token
request = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(), headers)
body = json.load(urllib.request.urlopen(request))
if body.get("errors"):
    sys.exit("bench: " + json.dumps(body["errors"], ensure_ascii=False))
print(json.dumps(body["data"], ensure_ascii=False))
PY
}
login() {
    graphql 'mutation($input: LogInInput!) { logIn(input: $input) { session { token } } }' \
        "{\"input\": {\"email\": \"$1\", \"password\": \"$DEMO_PASSWORD\"}}" "" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["logIn"]["session"]["token"])'
}


# The PostGraphile peer for side-by-side throughput: a private, throwaway PostgreSQL cluster on
# loopback (fsync off) holding tables shaped like the programme listing (`bench/peer/schema.sql`:
# 40 programmes with an organizer and 3 sessions each), and PostGraphile 5 serving them.
# Source it after `bench/server.sh`, then call `start_peer`; both stop on exit with the server.
#
# After `start_peer`: `$peer_url` is PostGraphile's GraphQL endpoint, and `$peer_query` the
# listing of the same shape as tsunagu's `programs(first: 20)` with organizer and sessions.
#
# Needs Debian's PostgreSQL server binaries (`apt-get install postgresql`), Node.js and, once,
# `(cd bench/peer && npm ci)`. PostGraphile 5 declares Node >= 22; on Node 20 the polyfill in
# `bench/peer` is preloaded. `PEER_PG_PORT` and `PEER_PORT` choose the ports (54329, 5678).

peer_query='{ allPrograms(first: 20) { totalCount nodes { id title kind organizationByOrganizerId { name } programSessionsByProgramId { nodes { id startsAt seatsRemaining } } } } }'

start_peer() {
    local here pgbin pg_port port as node_major polyfill connection
    here="$(pwd)/bench/peer"
    pg_port="${PEER_PG_PORT:-54329}"
    port="${PEER_PORT:-5678}"
    pgbin="${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
    if [ ! -x "$pgbin/initdb" ]; then
        echo "bench: the peer needs PostgreSQL's server binaries (apt-get install postgresql)" >&2
        exit 1
    fi
    if [ ! -x "$here/node_modules/.bin/postgraphile" ]; then
        echo "==> installing PostGraphile for the peer (npm ci)"
        (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
    fi
    echo "==> starting the PostGraphile peer"
    peer_data="$work/peer"
    mkdir -p "$peer_data"
    chmod 755 "$work" "$peer_data"
    as=()
    # initdb refuses root.
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$peer_data"
        as=(runuser -u postgres --)
    fi
    "${as[@]}" "$pgbin/initdb" -D "$peer_data/db" -U postgres -A trust -E UTF8 --no-locale \
        >"$work/peer-initdb.log" 2>&1 || {
        cat "$work/peer-initdb.log" >&2
        exit 1
    }
    "${as[@]}" "$pgbin/pg_ctl" -D "$peer_data/db" -l "$peer_data/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $peer_data -c max_connections=50 -c fsync=off" \
        start >/dev/null
    peer_stop_postgres="${as[*]} $pgbin/pg_ctl -D $peer_data/db -m fast stop"
    connection="postgres://postgres@127.0.0.1:$pg_port/postgres"
    "$pgbin/psql" -q -v ON_ERROR_STOP=1 -v client_min_messages=warning "$connection" \
        -f "$here/schema.sql" >/dev/null
    node_major="$(node -p 'process.versions.node.split(".")[0]')"
    polyfill=""
    if [ "$node_major" -lt 22 ]; then
        polyfill="--import=$here/node20-polyfill.mjs"
    fi
    (cd "$here" && GRAPHILE_ENV=production NODE_OPTIONS="${NODE_OPTIONS:-} $polyfill" \
        exec node_modules/.bin/postgraphile -P postgraphile/presets/amber \
        -c "$connection" -s app -n 127.0.0.1 -p "$port") >"$work/peer.log" 2>&1 &
    extra_pids="$extra_pids $!"
    peer_url="http://127.0.0.1:$port/graphql"
    for _ in $(seq 1 100); do
        if curl -fsS -m 2 -o /dev/null -H 'Content-Type: application/json' \
            --data '{"query":"{ __typename }"}' "$peer_url" 2>/dev/null; then
            break
        fi
        sleep 0.2
    done
    local answer
    answer="$(curl -sS -m 5 -H 'Content-Type: application/json' \
        --data "$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$peer_query")" \
        "$peer_url")"
    if ! grep -q '"data"' <<<"$answer" || grep -q '"errors"' <<<"$answer"; then
        echo "bench: the peer did not answer its listing: ${answer:0:300}" >&2
        tail -n 30 "$work/peer.log" >&2
        exit 1
    fi
    echo "    PostGraphile $(node -p "require('$here/node_modules/postgraphile/package.json').version") on Node $(node --version), PostgreSQL $("$pgbin/postgres" --version | awk '{ print $3 }'), at $peer_url"
}

stop_peer() {
    if [ -n "${peer_stop_postgres:-}" ]; then
        $peer_stop_postgres >/dev/null 2>&1 || true
        peer_stop_postgres=""
    fi
}

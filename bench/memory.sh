#!/usr/bin/env bash
# Resident memory of the release server under a long mixed load:
#
#   bash bench/memory.sh
#
# Builds the release binary, starts `tsunagu serve --demo` on a free loopback port with a
# throwaway data directory (SQLite, or `DATABASE_URL`), adds 30 programmes with 3 upcoming
# sessions each, and for BENCH_MINUTES (default 10) sends, over BENCH_CONNECTIONS
# connections (default 32), a mix of what residents and staff ask for in turn: the
# programme list (from the response cache and past it), a Japanese search, articles,
# `me` and `{ __typename }` signed in, and a staff member's inquiry list; beside that, one
# client registers a guest party every 50 ms, round the sessions (waitlisting once they
# are full). Every 30 s it prints the server's resident memory; at the end the requests per
# second of the mix, and where the memory is: heap (anonymous), mapped files, and the
# peak. Any non-200 answer or body with GraphQL errors fails the run.
#
# Needs wrk (`apt-get install wrk`), curl and python3. Settings (environment):
#   BENCH_MINUTES       length of the load (default 10)
#   BENCH_CONNECTIONS   concurrent connections (default 32)
#   BENCH_BINARY        measure this build instead of building target/release/tsunagu
#   DATABASE_URL        an empty PostgreSQL database instead of a fresh SQLite file
set -euo pipefail

cd "$(dirname "$0")/.."

MINUTES="${BENCH_MINUTES:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
ADMIN_EMAIL=maebashi-admin@example.jp
STAFF_EMAIL=manazuru-staff@example.jp
CONCIERGE_EMAIL=manazuru-concierge@example.jp
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

status_kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$server_pid/status"; }
megabytes() { echo "$(($(status_kb "$1") / 1024)) MB"; }
fresh="$(megabytes VmRSS)"

echo "==> adding 30 programmes with 3 upcoming sessions each"
python3 bench/lib/populate.py "$address/graphql" "$(login "$STAFF_EMAIL")"
admin_token="$(login "$ADMIN_EMAIL")"
concierge_token="$(login "$CONCIERGE_EMAIL")"
manazuru="$(graphql '{ municipality(jisCode: "14384") { id } }' '{}' '' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["municipality"]["id"])')"
# The sessions of the 30 programmes just added: open to guests, no children required.
sessions="$(graphql '{ programs(first: 100) { nodes { title sessions(upcomingOnly: true) { id } } } }' '{}' '' |
    python3 -c 'import json, sys; print(" ".join(s["id"] for p in json.load(sys.stdin)["programs"]["nodes"] if p["title"].startswith("自然体験ワークショップ") for s in p["sessions"]))')"
loaded="$(megabytes VmRSS)"

programs='{ programs(first: 20) { totalCount nodes { id title kind organizer { name } sessions(upcomingOnly: true) { id startsAt seatsRemaining } } } }'
search="{ search(text: \"自然 体験\", filter: { municipalityId: \"$manazuru\" }, first: 10) { kindCounts { kind count } hits { totalCount nodes { kind titleHtml snippetHtml node { id } } } } }"
articles='{ articles(first: 20) { nodes { id title summary } } }'
inquiries='{ relocationInquiries(first: 20) { nodes { id referenceCode stage } } }'
mix="$work/mix"
python3 - "$mix" "$programs" "$search" "$articles" "$inquiries" "$admin_token" "$concierge_token" <<'PY'
import json, sys
out, programs, search, articles, inquiries, admin, concierge = sys.argv[1:8]
lines = [
    ("", "", programs), ("", "no-cache", programs), ("", "no-cache", search), ("", "", search),
    ("", "no-cache", articles), (f"Bearer {admin}", "", "{ me { id displayName } }"),
    (f"Bearer {admin}", "", "{ __typename }"), (f"Bearer {concierge}", "", inquiries),
]
with open(out, "w", encoding="utf-8") as f:
    for authorization, cache_control, query in lines:
        f.write(f"{authorization}\t{cache_control}\t{json.dumps({'query': query}, ensure_ascii=False)}\n")
PY

echo "==> $MINUTES minutes of the mix over $CONNECTIONS connections, and a registration every 50 ms"
python3 - "$address/graphql" "$MINUTES" $sessions >"$work/registrations" <<'PY' &
import json, sys, time, urllib.request
url, minutes, sessions = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
query = ("mutation($input: RegisterForSessionInput!) { registerForSession(input: $input) "
         "{ registration { status } userErrors { code message } } }")
end, n, statuses = time.time() + 60 * minutes, 0, {}
while time.time() < end:
    guest = {"name": f"負荷 花子{n}", "nameKana": "ふか はなこ", "email": f"memory{n}@example.jp", "phone": "090-1234-5678"}
    body = json.dumps({"query": query, "variables": {"input": {"sessionId": sessions[n % len(sessions)], "guest": guest}}}).encode()
    answer = json.load(urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"})))
    if answer.get("errors") or answer["data"]["registerForSession"]["userErrors"]:
        sys.exit(f"bench: a registration failed: {answer}")
    status = answer["data"]["registerForSession"]["registration"]["status"]
    statuses[status] = statuses.get(status, 0) + 1
    n += 1
    time.sleep(0.05)
print(f"{n} registrations: " + ", ".join(f"{count} {status.lower()}" for status, count in sorted(statuses.items())))
PY
registrar=$!
extra_pids="$registrar"
BENCH_MIX="$mix" wrk -t1 -c"$CONNECTIONS" -d"${MINUTES}m" --timeout 10s -s bench/lib/mixed.lua \
    "$address/graphql" >"$work/wrk" &
load=$!
extra_pids="$registrar $load"
elapsed=0
while kill -0 "$load" 2>/dev/null; do
    sleep 30
    elapsed=$((elapsed + 30))
    kill -0 "$server_pid" 2>/dev/null || { echo "bench: the server stopped" >&2; exit 1; }
    echo "    ${elapsed} s: $(megabytes VmRSS) resident"
done
wait "$load"
wait "$registrar" || { echo "bench: the registrations failed" >&2; exit 1; }

read -r _ rps p50 p99 failed < <(grep '^RESULT ' "$work/wrk")
database=SQLite
[ -n "${DATABASE_URL:-}" ] && database=PostgreSQL
echo
echo "$database: the mix answered $rps requests/s (p50 $p50 ms, p99 $p99 ms); $(cat "$work/registrations")"
echo "resident memory: fresh $fresh, with the 30 programmes $loaded, after $MINUTES minutes $(megabytes VmRSS)" \
    "(heap $(megabytes RssAnon), mapped files $(megabytes RssFile)), peak $(megabytes VmHWM)"
if [ "$failed" != "0" ]; then
    echo "bench: $failed requests failed (non-200 or GraphQL errors)" >&2
    exit 1
fi

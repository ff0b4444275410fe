#!/usr/bin/env bash
# Health benchmark against the release server (embedded SQLite, demo data):
#
#   bash bench/health.sh
#
# 1. The clinic day list with 200 bookings (each with its submitted 予診票): SQL statements
#    of one read, reads per second and latency from 8 clients.
# 2. The schedules of 1,000 children with their doses in one `myHealthChildren` read: SQL
#    statements of one read at ~200 children and at 1,000 (the same: doses and the
#    catalogue are read in one batch), and the time of one read and per child.
# 3. The schedule rules alone for 10,000 children with the doses of the standard course
#    given so far, computed in the load client: time in all and per child.
#
# Settings (environment): BOOKINGS, CHILDREN, COMPUTED, SECONDS; DATABASE_URL to measure against
# PostgreSQL (an empty database: the demo data is loaded); BENCH_PROFILE=dev to measure the
# debug build instead of building the release one (figures of a debug build are for
# checking the script, not for comparing).
set -euo pipefail

cd "$(dirname "$0")/.."

profile="${BENCH_PROFILE:-release}"
if [ "$profile" = "release" ]; then
    echo "==> cargo build --release --locked (server and load client)"
    cargo build --release --locked --bin tsunagu --example health_load
    client=target/release/examples/health_load
else
    echo "==> cargo build --locked (debug: server and load client)"
    cargo build --locked --bin tsunagu --example health_load
    client=target/debug/examples/health_load
    export BENCH_BINARY="${BENCH_BINARY:-target/debug/tsunagu}"
fi

# shellcheck source=bench/server.sh
. bench/server.sh
start_server TSUNAGU_PUBLIC_RATE_PER_MINUTE=1000000

"$client" "$address"

#!/usr/bin/env bash
# Programs benchmark against the release server (embedded SQLite, demo data):
#
#   bash bench/programs.sh
#
# Registrations per second on one hot session (50 places, 2000 guest parties from 200
# concurrent clients; checks that exactly 50 are confirmed and the rest wait), then the
# listing query's requests per second (a page of 100 programs with sessions and
# organizers, 32 clients).
# The per-client rate limit of public calls is raised for the run: every client is loopback.
#
# Settings (environment): REGISTRATIONS, CLIENTS, LIST_SECONDS; DATABASE_URL to measure
# against PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/tsunagu_bench (demo data is
# loaded).
set -euo pipefail

cd "$(dirname "$0")/.."

echo "==> cargo build --release --locked (server and load client)"
cargo build --release --locked --bin tsunagu --example programs_load

# shellcheck source=bench/server.sh
. bench/server.sh
start_server TSUNAGU_PUBLIC_RATE_PER_MINUTE=1000000

target/release/examples/programs_load "$address"

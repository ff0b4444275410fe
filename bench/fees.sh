#!/usr/bin/env bash
# Fee claim and health KPI benchmark against the release server (demo data), embedded
# SQLite by default:
#
#   bash bench/fees.sh
#
# Writes 100 clinics of 北九州市 (members of the demo medical association) with 300 dose
# records each this month, and more a year before up to 50,000 records; then each clinic
# prepares and submits its monthly claim over HTTP, the association batches them and
# downloads the batch as CSV, and 北九州市's KPI report is timed before and after the
# records were written. Prints times and the SQL statements of a claim and a report at
# both sizes; fails when a claim's lines or total differ from the records written.
#
# Settings (environment): CLINICS, RECORDS, KPI_RECORDS, RUNS. DATABASE_URL measures against
# PostgreSQL instead, e.g. postgres://postgres@127.0.0.1:5432/tsunagu_fees (an empty
# database; demo data is loaded).
set -euo pipefail

cd "$(dirname "$0")/.."

echo "==> cargo build --release --locked (server and load client)"
cargo build --release --locked --bin tsunagu --example fees_load

# shellcheck source=bench/server.sh
. bench/server.sh
start_server TSUNAGU_PUBLIC_RATE_PER_MINUTE=1000000 TSUNAGU_LOGIN_RATE_PER_MINUTE=1000000

target/release/examples/fees_load "$address" "${DATABASE_URL:-sqlite://$work/data/tsunagu.db?mode=rwc}"

#!/usr/bin/env bash
# KPI report benchmark against the release server (demo data), embedded SQLite by default:
#
#   bash bench/kpi.sh
#
# Writes two fiscal years of records for every KPI source into the server's database
# (per year: 730 sessions with 7,300 attended registrations and survey answers, 3,000
# temporary-childcare answers, 200 solved issues, a day of visitors per plaza and day,
# 1,000 families moved in, 600 women's jobs), then times `kpiReport` of 前橋市 and 真鶴町 over
# HTTP for the later year against the demo's current year, and the CSV download; median
# of RUNS (10). Fails when a KPI differs from the records written.
#
# DATABASE_URL measures against PostgreSQL instead, e.g.
# postgres://postgres@127.0.0.1:5432/tsunagu_bench (an empty database; demo data is loaded).
set -euo pipefail

cd "$(dirname "$0")/.."

echo "==> cargo build --release --locked (server and load client)"
cargo build --release --locked --bin tsunagu --example kpi_load

# shellcheck source=bench/server.sh
. bench/server.sh
start_server

target/release/examples/kpi_load "$address" "${DATABASE_URL:-sqlite://$work/data/tsunagu.db?mode=rwc}"

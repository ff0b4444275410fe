#!/usr/bin/env bash
# Assignment simulation: two years of relocation inquiries (10,000 by default) over 20
# concierges with capacities and leave, once per assignment strategy, through the real
# service functions on SQLite. Prints load spread and the longest time any inquiry waited
# while a concierge had room (must be zero; the run fails otherwise).
#
#   bash bench/assignment.sh [INQUIRIES]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked --quiet --example assignment_sim -- "${1:-10000}"

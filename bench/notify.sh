#!/usr/bin/env bash
# Notification benchmark, in one process (examples/notify_load.rs): an SMTP sink on a
# loopback port and the server on a fresh SQLite database with the demo data.
#
#   bash bench/notify.sh
#
# 1. Enqueue 10,000 messages, one transaction each as a change writes them: messages/s.
# 2. Deliver them through the delivery worker to the sink: messages/s from the first
#    enqueue until the sink has accepted the last one.
# 3. Guest registrations through the programs service with notifications on and off, in
#    alternating rounds of the same run: registrations/s of each and the extra cost.
#
# Settings (environment): MESSAGES, REGISTRATIONS; BENCH_PROFILE=dev to measure the debug
# build instead of building the release one (figures of a debug build are slower across the
# board, and the share notifications add is the figure to compare).
set -euo pipefail

cd "$(dirname "$0")/.."

profile="${BENCH_PROFILE:-release}"
if [ "$profile" = "release" ]; then
    echo "==> cargo build --release --locked --example notify_load"
    cargo build --release --locked --example notify_load
    client=target/release/examples/notify_load
else
    echo "==> cargo build --locked --example notify_load (debug)"
    cargo build --locked --example notify_load
    client=target/debug/examples/notify_load
fi

RUST_LOG="${RUST_LOG:-error}" "$client"

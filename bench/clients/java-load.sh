#!/usr/bin/env bash
# java-load.sh - load client for bench/compare-diod.sh: the project's own
# host-side 9P client (io.p9gate.bench.load.LoadGenerator, module bench/load)
# over TCP loopback, a Unix socket or mutual TLS, many requests outstanding
# (--concurrency, default 16).  No QEMU in the loop, so the server is what is
# measured.  Follows the client contract in bench/clients/guest-kernel.sh;
# extra options are passed on (e.g. --concurrency 32, --msize 65536,
# --workloads ...,getattr; all of them: docs/performance.md).
# Uses the build that ./p9gate makes (bench/load/target and gateway/target).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,9p' "$0"; exit 0 ;; esac
. "$ROOT/bench/clients/load-classpath.sh"
bench_load_classpath "$ROOT" java-load || exit 1
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xms256m -cp "$BENCH_LOAD_CP" \
    io.p9gate.bench.load.LoadGenerator "$@"

#!/usr/bin/env bash
# java-load.sh - load client for bench/compare-diod.sh: the project's own
# host-side 9P client (io.p9gate.gateway.client.load.LoadGenerator) over TCP
# loopback, many requests outstanding (--concurrency, default 16).  No QEMU
# in the loop, so the server is what is measured.  Follows the client
# contract in bench/clients/guest-kernel.sh; extra options are passed on
# (e.g. --concurrency 32, --msize 65536, --workloads ...,getattr).
# Uses the build that ./p9gate makes (gateway/target/classes and lib/).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/src/bin/find-jdk.sh"
p9gate_find_jdk || exit 1
TARGET=$ROOT/gateway/target
[ -d "$TARGET/classes/io/p9gate/gateway/client/load" ] && [ -d "$TARGET/lib" ] ||
    { echo "java-load: no build in $TARGET (run ./p9gate --help once to build)" >&2; exit 1; }
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xms256m -cp "$TARGET/classes:$TARGET/lib/*" \
    io.p9gate.gateway.client.load.LoadGenerator "$@"

#!/usr/bin/env bash
# Runs one benchmark main class of the gateway's test sources (package io.p9gate.gateway.bench) after compiling
# them. Usage: gateway/bench-run.sh CLASS (e.g. AuditOverheadBench); the bench-*.sh scripts name theirs.
# Environment: JAVA_HOME (a JDK 25; found as ./p9gate finds it when unset or older), BENCH_DIR (where shares and logs are written; default /tmp), BENCH_ROUNDS,
# BENCH_SETUPS (benchmarks that have setups).
set -eu
cd "$(dirname "$0")/.."
. src/bin/find-jdk.sh
p9gate_find_jdk || exit 1
mvn -q -B -pl gateway -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="gateway/target/test-classes:gateway/target/classes:audit/target/classes:policy/target/classes"
cp="$cp:$(cat gateway/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.dir="${BENCH_DIR:-/tmp}" -Dbench.rounds="${BENCH_ROUNDS:-15}" \
  ${BENCH_SETUPS:+-Dbench.setups="$BENCH_SETUPS"} "io.p9gate.gateway.bench.$1"

#!/usr/bin/env bash
# Runs the audit append benchmark (JMH) and prints the median throughput. Usage: audit/bench.sh
# Environment: JAVA_HOME (a JDK 25; found as ./p9gate finds it when unset or older), BENCH_DIR (where the log is written; default /tmp, use a real disk),
# BENCH_THREADS (appending threads, default 1,4,16), BENCH_ITERATIONS (measured, default 7), BENCH_SECONDS (each, 5).
set -eu
cd "$(dirname "$0")/.."
. src/bin/find-jdk.sh
p9gate_find_jdk || exit 1
mvn -q -B -pl audit test-compile
mvn -q -B -pl audit dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="audit/target/test-classes:audit/target/classes:$(cat audit/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.dir="${BENCH_DIR:-/tmp}" -Dbench.threads="${BENCH_THREADS:-1,4,16}" \
  -Dbench.iterations="${BENCH_ITERATIONS:-7}" -Dbench.seconds="${BENCH_SECONDS:-5}" io.p9gate.audit.bench.AuditBenchmarkMain

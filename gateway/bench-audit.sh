#!/bin/sh
# Measures the audit trail's cost per 9P operation (FileServer with NoAudit vs the signed log) and prints
# medians and ratios. Usage: gateway/bench-audit.sh
<<<<<<< HEAD
# Environment: JAVA_HOME (JDK 25), BENCH_DIR (where shares and log are written; default /tmp), BENCH_ROUNDS.
exec "$(dirname "$0")/bench-run.sh" AuditOverheadBench
=======
# Environment: JAVA_HOME (JDK 25), BENCH_DIR (where shares and log are written; default /tmp), BENCH_ROUNDS,
# BENCH_SETUPS (inprocess,tcp).
set -eu
cd "$(dirname "$0")/.."
mvn -q -B -pl gateway -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="gateway/target/test-classes:gateway/target/classes:audit/target/classes:policy/target/classes"
cp="$cp:$(cat gateway/target/bench.classpath)"
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.dir="${BENCH_DIR:-/tmp}" -Dbench.rounds="${BENCH_ROUNDS:-15}" -Dbench.setups="${BENCH_SETUPS:-inprocess,tcp}" \
  io.p9gate.gateway.bench.AuditOverheadBench
>>>>>>> hard-audit

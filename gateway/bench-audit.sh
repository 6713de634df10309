#!/bin/sh
# Measures the audit trail's cost per 9P operation (FileServer with NoAudit vs the signed log) and prints
# medians and ratios. Usage: gateway/bench-audit.sh
# Environment: JAVA_HOME (JDK 25), BENCH_DIR (where shares and log are written; default /tmp), BENCH_ROUNDS,
# BENCH_SETUPS (inprocess,tcp).
exec "$(dirname "$0")/bench-run.sh" AuditOverheadBench

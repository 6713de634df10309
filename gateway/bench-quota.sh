#!/bin/sh
# Measures the quota accounting's cost per 9P operation (a VM without quotas, one with a quota written
# outside and inside its scope) and prints medians and ratios. Usage: gateway/bench-quota.sh
# Environment: JAVA_HOME (JDK 25), BENCH_DIR (where the shares are written; default /tmp), BENCH_ROUNDS.
exec "$(dirname "$0")/bench-run.sh" QuotaOverheadBench

#!/bin/sh
# Measures what 'permissions: enforce' costs per 9P operation (a share trusting the guest vs one acting as the
# guest user on the host) and prints medians and ratios. Needs root. Usage: gateway/bench-host-permissions.sh
# Environment: JAVA_HOME (JDK 25), BENCH_DIR (where the shares are written; default /tmp), BENCH_ROUNDS.
exec "$(dirname "$0")/bench-run.sh" HostPermissionsBench

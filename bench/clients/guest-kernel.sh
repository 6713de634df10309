#!/usr/bin/env bash
# guest-kernel.sh - load client for bench/compare-diod.sh: the real Linux 9P
# client (v9fs, cache=none) in a throwaway QEMU guest, via shared/guest/run-guest.sh.
# One guest boot (one 9P session) per call.
#
# Client contract (any load client must follow it):
#   CLIENT --server HOST:PORT|unix:PATH --aname NAME --workloads W[,W...] --size-mb M --files F
#          [--msize BYTES]
#   prints "RESULT <workload> <value> <unit>" per workload (higher is better),
#   exits non-zero on failure.  Workloads: seq-write, seq-read, meta.
#   --msize is what the client offers in Tversion (here: the mount's msize=,
#   default 524288); the server grants what it will.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER= ANAME= WORKLOADS=seq-write,seq-read,meta SIZE_MB=128 FILES=500 MSIZE=524288
while [ $# -gt 0 ]; do
    case "$1" in
        --server) SERVER=$2; shift 2 ;;
        --aname) ANAME=$2; shift 2 ;;
        --workloads) WORKLOADS=$2; shift 2 ;;
        --size-mb) SIZE_MB=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --msize) MSIZE=$2; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "guest-kernel: unknown argument $1" >&2; exit 2 ;;
    esac
done
GUEST_DIR=${P9GATE_GUEST_DIR:-}
if [ -z "$GUEST_DIR" ]; then
    d=$ROOT
    while [ "$d" != / ]; do d=$(dirname "$d"); [ -x "$d/shared/guest/run-guest.sh" ] && { GUEST_DIR=$d/shared/guest; break; }; done
fi
command -v qemu-system-x86_64 >/dev/null || { echo "guest-kernel: qemu-system-x86_64 not found (run shared/guest/setup.sh)" >&2; exit 125; }
[ -x "${GUEST_DIR:-}/run-guest.sh" ] || { echo "guest-kernel: no shared/guest/run-guest.sh (set P9GATE_GUEST_DIR)" >&2; exit 125; }
case "$SERVER" in
    unix:*) TARGET=(--unix "${SERVER#unix:}") ;;
    *) TARGET=(--server "$SERVER") ;;
esac
LOG=$(mktemp); trap 'rm -f "$LOG"' EXIT
if ! "$GUEST_DIR/run-guest.sh" "${TARGET[@]}" --aname "$ANAME" --msize "$MSIZE" --script "$ROOT/bench/guest/workloads.sh" \
        --env WORKLOADS="$WORKLOADS" --env SIZE_MB="$SIZE_MB" --env FILES="$FILES" --timeout 900 >"$LOG" 2>&1; then
    echo "guest-kernel: guest run failed:" >&2; tail -20 "$LOG" >&2; exit 1
fi
grep '^RESULT ' "$LOG"

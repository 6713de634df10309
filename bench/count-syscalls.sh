#!/usr/bin/env bash
# count-syscalls.sh - the system calls a server makes per 9P request (issue 11): starts SERVER as
# bench/compare-diod.sh does (bench/servers.sh: p9gate with the bench policy and signed audit log,
# p9gate-bare, or diod), runs the project load client once to warm up, then again under
# `strace -f` of every server thread, one request at a time (--concurrency 1, so each request's
# calls lie between its arrival and its reply), and prints per request type all calls and the
# file-system, xattr and audit-log calls among them (bench/syscalls-per-request.py).
# Counts, unlike times, hardly depend on the machine's load.
#
# usage: bench/count-syscalls.sh SERVER [--files F] [--workloads W,W] [--keep DIR]
#   --files F       meta files (default 100; getattr runs 20 x F requests)
#   --workloads     default meta,getattr,seq-read (seq-read: 1 MiB, for a Tlopen)
#   --keep DIR      leave the trace in DIR/trace (default: a temporary directory, removed)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/servers.sh"
[ $# -ge 1 ] || { sed -n '2,14p' "$0"; exit 2; }
case "$1" in -h|--help) sed -n '2,14p' "$0"; exit 0 ;; esac
NAME=$1; shift
FILES=100 WORKLOADS=meta,getattr,seq-read KEEP=
while [ $# -gt 0 ]; do
    case "$1" in
        --files) FILES=$2; shift 2 ;;
        --workloads) WORKLOADS=$2; shift 2 ;;
        --keep) KEEP=$2; shift 2 ;;
        *) echo "count-syscalls: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
bench_require strace "install strace (apt-get install strace)"
bench_require python3 "python3 reads the trace"
WORK=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/count-syscalls.XXXXXX")}
mkdir -p "$WORK/share"
SERVER_PID= TRACER=
finish() {
    [ -z "$TRACER" ] || kill "$TRACER" 2>/dev/null || true
    [ -z "$SERVER_PID" ] || stop_bench_server "$SERVER_PID"
    [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap finish EXIT
start_bench_server "$NAME" "$ROOT" "$WORK" bench "$WORK/share"
PID=$SERVER_PID   # ./p9gate execs java; diod is itself
load() {
    "$ROOT/bench/clients/java-load.sh" --server "$SERVER_ADDR" --aname "$SERVER_ANAME" --files "$FILES" \
        --size-mb 1 --msize 65536 --concurrency 1 --workloads "$WORKLOADS"
}
load >/dev/null
# shellcheck disable=SC2046 # one -p per thread
strace -f -ttt -s 24 -x -o "$WORK/trace" $(ls /proc/"$PID"/task | sed 's/^/-p /') 2>/dev/null &
TRACER=$!
sleep 2   # strace attaches to each thread
load | grep '^RESULT' | sed 's/^/# traced: /'
sleep 1
kill "$TRACER"; wait "$TRACER" 2>/dev/null || true; TRACER=
# the client's socket: where the traced session's Rversion (type 101, 0x65) was sent
SOCK=$(grep -m1 -oE '(sendto|write)\([0-9]+, "(\\x[0-9a-f]{2}){4}\\x65' "$WORK/trace" | grep -oE '\([0-9]+' | tr -d '(')
echo "# $NAME; $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?');" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); workloads $WORKLOADS, $FILES files, one request at a time"
python3 "$ROOT/bench/syscalls-per-request.py" "$WORK/trace" "$SOCK"

#!/usr/bin/env bash
# compare-diodload.sh - p9gate vs diod driven by diod's own load generator,
# diodload (Debian package diod): an independent C 9P client, not ours.
# diodload attaches the aname "ctl" and, in each of its threads, copies
# ctl:zero to ctl:null in msize chunks (row "copy"), or with -g issues
# Tgetattr of ctl:null (row "getattr").  diod serves its synthetic ctl file
# system; both p9gate servers (bench/servers.sh: "p9gate" with the bench
# policy and the signed audit log, "p9gate-bare" without) serve a share
# named ctl holding two regular files, zero (sparse) and null.  All on Unix
# sockets.  Runs alternate the server order; prints medians, each server's
# ratio to diod and p9gate/p9gate-bare.
#
# usage: bench/compare-diodload.sh [--runs N] [--seconds S] [--threads N] [--msize BYTES]
#                                  [--servers "S S"]
#   --runs N       runs per server and row (default 5), after one discarded warm-up
#   --seconds S    diodload -r (default 10); --threads N: diodload -n (default 16)
#   --msize BYTES  diodload -m (default 65536, diod's cap)
#   --servers      default "p9gate p9gate-bare diod"
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/servers.sh"
RUNS=5 SECONDS_PER_RUN=10 THREADS=16 MSIZE=65536 SERVERS="p9gate p9gate-bare diod"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --msize) MSIZE=$2; shift 2 ;;
        --servers) SERVERS=$2; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "compare-diodload: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
bench_require diodload "install Debian's diod package (apt-get install diod)"

ctl_files() {  # DIR: what diodload copies from and to
    truncate -s 1G "$1/zero"; : >"$1/null"
}
start_bench_servers "$ROOT" "$(mktemp -d "${TMPDIR:-/tmp}/compare-diodload.XXXXXX")" ctl "$SERVERS" ctl_files
RESULTS=$BENCH_WORK/results

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?');" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "# diodload -n $THREADS -r $SECONDS_PER_RUN -m $MSIZE; 1 warm-up + $RUNS runs per server and row"
diodload_row() {  # SERVER ROW: one diodload run, as "SERVER ROW OPS ops/s" (+ MB/s read as a note)
    local flags=() out
    [ "$2" = getattr ] && flags=(-g)
    out=$(diodload -s "${BENCH_ADDR[$1]#unix:}" -n "$THREADS" -r "$SECONDS_PER_RUN" -m "$MSIZE" "${flags[@]}" 2>&1) ||
        { echo "compare-diodload: diodload against $1 failed: $out" >&2; return 1; }
    # "diodload: 2933 ops/s, 183 rMB/s, 183 wMB/s"
    echo "$out" | awk -v s="$1" -v r="$2" '/ops\/s/ {print s, r, $2, "ops/s"; print "# " s " " r ": " $0}'
}
REVERSED=$(echo "$SERVERS" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}')
for s in $SERVERS; do diodload_row "$s" copy | sed 's/^/# warm-up: /'; done
for run in $(seq "$RUNS"); do
    order=$SERVERS; [ $((run % 2)) -eq 0 ] && order=$REVERSED
    for s in $order; do
        for row in copy getattr; do diodload_row "$s" "$row" | tee -a "$RESULTS"; done
    done
done
echo
print_table "$RESULTS" "$SERVERS" "copy getattr"
echo "# medians of $RUNS; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

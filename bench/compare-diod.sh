#!/usr/bin/env bash
# compare-diod.sh - p9gate vs diod, same machine, same run, same load client
# (DESIGN.md section 5 and issue 11: p9gate with policy and audit on at least as
# fast as diod).  Servers (bench/servers.sh), each on a Unix socket of its own,
# each on its own fresh empty directory:
#   p9gate       serve --policy bench/policy/bench.yaml + the signed audit log
#   p9gate-bare  serve --share, no policy, no audit log
#   diod         diod -n
# The client drives the workloads RUNS times per server, alternating the order
# run by run (odd runs as given, even runs reversed) so drift hits all; each
# run also repeats the sequential workloads with the client offering the same
# msize as diod grants (rows WORKLOAD@BYTES).  Prints the median per server,
# each server's ratio to diod and p9gate/p9gate-bare (the cost of policy+audit).
#
# usage: bench/compare-diod.sh [--runs N] [--warmup N] [--size-mb M] [--files F]
#          [--workloads W,W] [--msize BYTES] [--equal-msize BYTES] [--equal-size-mb M] [--single W,W]
#          [--servers "S S"] [--client CMD]
#   --runs N          measured runs per server (default 5)
#   --warmup N        runs per server first, discarded (default 1: p9gate's JIT needs one)
#   --size-mb M       sequential file size (default 128); --files F: meta files (default 500)
#   --workloads       default seq-write,seq-read,meta,getattr (the kernel client knows no getattr)
#   --msize BYTES     the msize the client offers (default 524288; diod grants 65536 whatever it is offered)
#   --equal-msize B   also run seq-write/seq-read offering B (default 65536, diod's; 0 = not)
#   --equal-size-mb M file size of those rows (default 4 x --size-mb: at 64 KiB a 128 MiB row lasts
#                     half a second, too short to read past the JIT's catching up); each server runs
#                     them once, unmeasured, with a quarter of it right before the measured run
#   --single W,W      also run these workloads with one request outstanding (rows W/1: per-request
#                     latency, as a synchronous client sees it); default meta,getattr with the
#                     default client, none with another ("" = none)
#   --servers         which servers (default "p9gate p9gate-bare diod")
#   --client CMD      the load client with any extra arguments (split on blanks).
#                     Default bench/clients/java-load.sh (host side, 16 outstanding);
#                     bench/clients/guest-kernel.sh is the Linux kernel client in a
#                     QEMU guest.  Contract: see guest-kernel.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/servers.sh"
RUNS=5 WARMUP=1 SIZE_MB=128 EQUAL_SIZE_MB= FILES=500 SERVERS="p9gate p9gate-bare diod" CLIENT=$ROOT/bench/clients/java-load.sh
WORKLOADS=seq-write,seq-read,meta,getattr MSIZE=524288 EQUAL_MSIZE=65536 SINGLE=default
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --size-mb) SIZE_MB=$2; shift 2 ;;
        --equal-size-mb) EQUAL_SIZE_MB=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --workloads) WORKLOADS=$2; shift 2 ;;
        --msize) MSIZE=$2; shift 2 ;;
        --equal-msize) EQUAL_MSIZE=$2; shift 2 ;;
        --single) SINGLE=$2; shift 2 ;;
        --servers) SERVERS=$2; shift 2 ;;
        --client) CLIENT=$2; shift 2 ;;
        -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
        *) echo "compare-diod: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ " $SERVERS " != *" diod "* ]] || bench_require diod "install Debian's diod package (apt-get install diod)"

empty_share() { :; }   # the workloads make their own files
start_bench_servers "$ROOT" "$(mktemp -d "${TMPDIR:-/tmp}/compare-diod.XXXXXX")" bench "$SERVERS" empty_share
RESULTS=$BENCH_WORK/results

read -ra CLIENT_CMD <<<"$CLIENT"
if [ "$SINGLE" = default ]; then
    SINGLE=
    [ "$CLIENT" != "$ROOT/bench/clients/java-load.sh" ] ||
        SINGLE=$(echo "$WORKLOADS" | tr ',' '\n' | grep -E '^(meta|getattr)$' | paste -sd, || true)
fi
SEQ=$(echo "$WORKLOADS" | tr ',' '\n' | grep -E '^seq-(write|read)$' | paste -sd, || true)
[ "$EQUAL_MSIZE" -gt 0 ] || SEQ=
EQUAL_SIZE_MB=${EQUAL_SIZE_MB:-$((4 * SIZE_MB))}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?');" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "# client: $CLIENT; $WARMUP warm-up + $RUNS runs; msize offered $MSIZE${SEQ:+, and $EQUAL_MSIZE for $SEQ ($EQUAL_SIZE_MB MiB)};" \
    "seq $SIZE_MB MiB; meta $FILES files x (create, stat, unlink)"
REVERSED=$(echo "$SERVERS" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}')
run_client() {  # SERVER MSIZE WORKLOADS ROW-SUFFIX [CLIENT-OPTION...]
    "${CLIENT_CMD[@]}" --server "${BENCH_ADDR[$1]}" --aname "${BENCH_ANAME[$1]}" --workloads "$3" \
        --size-mb "$SIZE_MB" --files "$FILES" --msize "$2" "${@:5}" |
        sed "s|^RESULT \([^ ]*\)|$1 \1$4|; s|^# |# $1$4: |"
}
run_all() {  # SERVER
    run_client "$1" "$MSIZE" "$WORKLOADS" ""
    if [ -n "$SEQ" ]; then  # the JIT settles on the 64 KiB path first, unmeasured
        run_client "$1" "$EQUAL_MSIZE" "$SEQ" "@$EQUAL_MSIZE" --size-mb $((EQUAL_SIZE_MB / 4 + 1)) |
            sed 's/^/# settling: /'
        run_client "$1" "$EQUAL_MSIZE" "$SEQ" "@$EQUAL_MSIZE" --size-mb "$EQUAL_SIZE_MB"
    fi
    [ -z "$SINGLE" ] || run_client "$1" "$MSIZE" "$SINGLE" "/1" --concurrency 1
}
for s in $SERVERS; do
    for _ in $(seq "$WARMUP"); do run_all "$s" | sed 's/^/# warm-up: /'; done
done
for run in $(seq "$RUNS"); do
    order=$SERVERS; [ $((run % 2)) -eq 0 ] && order=$REVERSED
    for s in $order; do run_all "$s" | tee -a "$RESULTS"; done
done

echo
ROWS=$(echo "$WORKLOADS" | tr ',' ' ')
for w in $(echo "$SEQ" | tr ',' ' '); do ROWS+=" $w@$EQUAL_MSIZE"; done
for w in $(echo "$SINGLE" | tr ',' ' '); do ROWS+=" $w/1"; done
print_table "$RESULTS" "$SERVERS" "$ROWS"
echo "# medians of $RUNS; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)${SINGLE:+; rows W/1: one request outstanding}"
grep -h '^# [^ ]*: msize' "$RESULTS" | sort -u || true

#!/usr/bin/env bash
# compare-diod.sh - p9gate vs diod, same machine, same run, same load client
# (DESIGN.md section 5: ratio >= 1.0 wanted).  Each server serves its own
# fresh empty directory on loopback; the client drives the workloads RUNS
# times per server, alternating which server goes first run by run so drift
# hits both; the script prints the median per server and the p9gate/diod ratio.
#
# usage: bench/compare-diod.sh [--runs N] [--size-mb M] [--files F]
#                              [--workloads W,W] [--warmup N] [--servers "p9gate diod"] [--client CMD]
#   --client CMD  the load client, with any extra arguments (split on blanks).
#                 Default bench/clients/java-load.sh: the project's own
#                 host-side client over TCP loopback, 16 requests outstanding.
#                 bench/clients/guest-kernel.sh is the Linux kernel client in
#                 a QEMU guest (TCG-bound here).  Contract: see guest-kernel.sh.
#   --workloads   default seq-write,seq-read,meta (java-load also knows getattr)
#   --servers     which servers to run (default both; "diod" alone gives diod's numbers)
#   --warmup N    runs per server before the measured ones, discarded (default 1):
#                 both servers are long-lived daemons, p9gate's JIT needs one
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/gateway/src/test/guest/servers.sh"
RUNS=3 WARMUP=1 SIZE_MB=128 FILES=500 SERVERS="p9gate diod" CLIENT=$ROOT/bench/clients/java-load.sh
WORKLOADS=seq-write,seq-read,meta
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --size-mb) SIZE_MB=$2; shift 2 ;;
        --files) FILES=$2; shift 2 ;;
        --servers) SERVERS=$2; shift 2 ;;
        --client) CLIENT=$2; shift 2 ;;
        --workloads) WORKLOADS=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "compare-diod: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/compare-diod.XXXXXX")
chmod 755 "$WORK"   # the kernel's first attach is "nobody": exports must be reachable
declare -A PID ADDR ANAME
cleanup() {
    for s in "${!PID[@]}"; do SERVER_PID=${PID[$s]}; stop_server; done
    rm -rf "$WORK"
}
trap cleanup EXIT

for s in $SERVERS; do
    export_dir=$(make_export "$WORK/$s")
    case "$s" in
        diod)   start_diod "$export_dir" "$WORK/$s.log" ;;
        p9gate) start_p9gate "$ROOT" bench "$export_dir" "$WORK/$s.log" ;;
        *) echo "compare-diod: unknown server $s" >&2; exit 2 ;;
    esac
    PID[$s]=$SERVER_PID ADDR[$s]=$SERVER_ADDR ANAME[$s]=$SERVER_ANAME
    echo "# $s on ${ADDR[$s]}"
done

read -ra CLIENT_CMD <<<"$CLIENT"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "# client: $CLIENT; $WARMUP warm-up + $RUNS runs; seq $SIZE_MB MiB; meta $FILES files x (create, stat, unlink)"
REVERSED=$(echo "$SERVERS" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}')
run_client() {  # SERVER
    "${CLIENT_CMD[@]}" --server "${ADDR[$1]}" --aname "${ANAME[$1]}" --workloads "$WORKLOADS" \
        --size-mb "$SIZE_MB" --files "$FILES" | sed "s/^RESULT /$1 /; s/^# /# $1: /"
}
for s in $SERVERS; do
    for _ in $(seq "$WARMUP"); do run_client "$s" | sed 's/^/# warm-up: /'; done
done
for run in $(seq "$RUNS"); do
    # Odd runs in the given order, even runs reversed: neither server always goes first.
    order=$SERVERS; [ $((run % 2)) -eq 0 ] && order=$REVERSED
    for s in $order; do
        run_client "$s" | tee -a "$WORK/results"
    done
done

median() {  # SERVER WORKLOAD
    awk -v s="$1" -v w="$2" '$1==s && $2==w {print $3}' "$WORK/results" | sort -g |
        awk '{v[NR]=$1} END{if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}
echo
printf '%-10s %8s %12s %12s %16s\n' workload unit p9gate diod "p9gate/diod"
for w in $(echo "$WORKLOADS" | tr ',' ' '); do
    unit=$(awk -v w="$w" '$2==w {print $4; exit}' "$WORK/results")
    p=$(median p9gate "$w") d=$(median diod "$w")
    ratio=$(awk -v p="$p" -v d="$d" 'BEGIN{ if (p=="-" || d=="-" || d==0) print "-"; else printf "%.2f", p/d }')
    printf '%-10s %8s %12s %12s %16s\n' "$w" "$unit" "$p" "$d" "$ratio"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -h '^# .*: msize' "$WORK/results" | sort -u || true

#!/usr/bin/env bash
# startup.sh - issue 13: how long the tools take to start, with and without the launcher's cache (an AOT cache
# since 2026-12-02, an AppCDS archive before). Runs each command RUNS times (after one run that writes the cache,
# not counted) through ./p9gate, first with the cache, then with P9GATE_CDS=off, and prints per command and mode
# the median and minimum of the wall time and of the CPU time (user + sys; on a busy machine the wall time is mostly waiting for a core, so CPU is what
# to compare), with the load average before and after each series.  The commands:
#   policy check   p9gate policy check policies/infotainment.yaml
#   audit verify   p9gate audit verify on a small signed log (a gateway started and stopped: 6 records,
#                  3 checkpoints), written once into a scratch directory
# Output is a Markdown table for docs/performance.md ("Start-up of the tools").
#
# usage: bench/startup.sh [--runs N] [--p9gate PATH]
#   --runs    runs per command and mode (default 10)
#   --p9gate  the launcher to measure (default this checkout's ./p9gate), to compare builds
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=10
P9GATE=$ROOT/p9gate
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --p9gate) P9GATE=$(readlink -f "$2"); shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "startup: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "startup: needs GNU time (/usr/bin/time; Debian: apt-get install time)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/startup.XXXXXX")
SERVE_PID=
cleanup() {
    if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$P9GATE" --version >/dev/null   # builds the checkout first if needed, outside the measurement
"$P9GATE" keys generate --name startup-bench --out "$WORK/audit" >/dev/null 2>&1
mkdir "$WORK/share"
# A small real log: a gateway that starts (start, checkpoint records) and stops on SIGTERM (final checkpoint).
P9GATE_CDS=off "$P9GATE" serve --share bench="$WORK/share" --listen "unix:$WORK/serve.sock" \
    --audit-dir "$WORK/log" --audit-key "$WORK/audit.key" >"$WORK/serve.out" 2>&1 &
SERVE_PID=$!
for _ in $(seq 600); do [ -S "$WORK/serve.sock" ] && break; sleep 0.1; done
[ -S "$WORK/serve.sock" ] || { cat "$WORK/serve.out" >&2; echo "startup: the gateway did not start" >&2; exit 1; }
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=

load() { cut -d' ' -f1-3 /proc/loadavg; }
# median and minimum of a column of numbers
stats() { sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.2f s (%.2f)", m, v[1]}'; }

series() {  # LABEL MODE COMMAND...
    local label=$1 mode=$2; shift 2
    local cds=on; [ "$mode" = none ] && cds=off
    P9GATE_CDS=$cds "$P9GATE" "$@" >/dev/null 2>&1   # writes the archive (on); not counted
    local before; before=$(load)
    : >"$WORK/times"
    for _ in $(seq "$RUNS"); do
        P9GATE_CDS=$cds /usr/bin/time -a -o "$WORK/times" -f '%e %U %S' "$P9GATE" "$@" >/dev/null 2>&1
    done
    local wall cpu
    wall=$(awk '{print $1}' "$WORK/times" | stats)
    cpu=$(awk '{print $2 + $3}' "$WORK/times" | stats)
    printf '| `%s` | %s | %s | %s | %s / %s |\n' "$label" "$mode" "$cpu" "$wall" "$before" "$(load)"
}

echo "startup: $(date -u +%FT%TZ), $RUNS runs each, $(nproc) CPUs, $("$P9GATE" --version)"
echo
echo '| command | CDS | CPU, median (min) | wall, median (min) | load average before / after (1, 5, 15 min) |'
echo '|---|---|---:|---:|---|'
for mode in archive none; do
    series "policy check" "$mode" policy check "$ROOT/policies/infotainment.yaml"
    series "audit verify" "$mode" audit verify --log "$WORK/log" --key "$WORK/audit.pub"
done

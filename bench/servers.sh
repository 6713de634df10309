# servers.sh - sourced (bash) by bench/compare-diod.sh and bench/compare-diodload.sh: starts the servers
# they compare, each on a Unix socket of its own in the run's scratch directory (no TCP, no relay), and
# stops them.  start_bench_server sets SERVER_PID, SERVER_ADDR (unix:PATH) and SERVER_ANAME.
#   p9gate       serve --policy bench/policy/bench.yaml (read-only and hidden subtrees, a deny rule, a
#                quota, a uid map) with the signed audit log on: what a VM is served in production
#   p9gate-bare  serve --share: no policy, no audit log (what policy + audit cost, by difference)
#   diod         Debian's diod, -n (no MUNGE auth), exporting the directory (or its synthetic "ctl")
# shellcheck shell=bash

bench_require() {  # TOOL WHY: one line and exit 2 when a tool is missing
    command -v "$1" >/dev/null 2>&1 || { echo "$(basename "$0"): $1 not found: $2" >&2; exit 2; }
}

# wait_for_line LOG PID PATTERN: up to 180 s (the first p9gate run may build the project)
wait_for_line() {
    local i
    for i in $(seq 1800); do
        grep -q "$3" "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || { echo "$(basename "$0"): server did not start:" >&2; cat "$1" >&2; return 1; }
        sleep 0.1
    done
    echo "$(basename "$0"): server did not start within 180 s:" >&2; cat "$1" >&2; return 1
}

# start_bench_server NAME ROOT WORK SHARE DIR: serve DIR under the attach name SHARE (diod: its path, or
# "ctl" for its synthetic files when SHARE is ctl)
start_bench_server() {
    local name=$1 root=$2 work=$3 share=$4 dir=$5 log=$3/$1.log
    case "$name" in
        p9gate)
            mkdir -p "$work/keys"
            local out
            out=$("$root/p9gate" keys generate --name bench-audit --out "$work/keys/audit" 2>&1) ||
                { echo "$(basename "$0"): $out" >&2; return 1; }
            sed "s|@WORK@|$work|g; s|@SHARE@|$share|g; s|@DIR@|$dir|g" "$root/bench/policy/bench.yaml" >"$work/bench.yaml"
            "$root/p9gate" serve --policy "$work/bench.yaml" --audit-dir "$work/audit" \
                --audit-key "$work/keys/audit.key" >"$log" 2>&1 &
            SERVER_PID=$! SERVER_ADDR=unix:$work/p9gate.sock SERVER_ANAME=$share
            wait_for_line "$log" "$SERVER_PID" 'SIGHUP reloads it' ;;
        p9gate-bare)
            "$root/p9gate" serve --listen "unix:$work/p9gate-bare.sock" --share "$share=$dir" >"$log" 2>&1 &
            SERVER_PID=$! SERVER_ADDR=unix:$work/p9gate-bare.sock SERVER_ANAME=$share
            wait_for_line "$log" "$SERVER_PID" 'listening on' ;;
        diod)
            bench_require diod "install Debian's diod package (apt-get install diod)"
            local export=$dir
            [ "$share" = ctl ] && export=ctl
            # -n: no MUNGE auth; never -N (the kernel's first attach is "nobody", which needs the user db).
            diod -f -n -e "$export" -l "$work/diod.sock" -L "$log" &
            SERVER_PID=$! SERVER_ADDR=unix:$work/diod.sock SERVER_ANAME=$export
            local i
            for i in $(seq 100); do [ -S "$work/diod.sock" ] && break; sleep 0.1; done
            [ -S "$work/diod.sock" ] || { echo "$(basename "$0"): diod did not start:" >&2; cat "$log" >&2; return 1; } ;;
        *) echo "$(basename "$0"): unknown server $name (p9gate, p9gate-bare, diod)" >&2; return 2 ;;
    esac
}

stop_bench_server() {  # PID: only a server this script started
    if kill -0 "$1" 2>/dev/null; then kill "$1"; wait "$1" 2>/dev/null || true; fi
}

# median_of FILE SERVER ROW: the median of the VALUEs of the lines "SERVER ROW VALUE UNIT" in FILE
median_of() {  # FILE SERVER WORKLOAD
    awk -v s="$2" -v w="$3" '$1==s && $2==w {print $3}' "$1" | sort -g |
        awk '{v[NR]=$1} END{if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

ratio_of() {  # A B: A/B, or - when either is missing
    awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="-" || b=="-" || b==0) print "-"; else printf "%.2f", a/b }'
}

# print_table FILE SERVERS ROWS: per row the median of each server, each server's ratio to diod, and the
# cost of policy + audit (p9gate/p9gate-bare) when both ran.  FILE has "SERVER ROW VALUE UNIT" lines.
print_table() {
    local file=$1 servers=$2 rows=$3 s row unit line
    line=$(printf '%-18s %7s' row unit)
    for s in $servers; do line+=$(printf ' %12s' "$s"); done
    for s in $servers; do [ "$s" = diod ] || line+=$(printf ' %18s' "$s/diod"); done
    [[ " $servers " == *" p9gate "* && " $servers " == *" p9gate-bare "* ]] && line+=$(printf ' %20s' "p9gate/p9gate-bare")
    echo "$line"
    for row in $rows; do
        unit=$(awk -v w="$row" '$2==w {print $4; exit}' "$file")
        [ -n "$unit" ] || continue
        declare -A m=()
        line=$(printf '%-18s %7s' "$row" "$unit")
        for s in $servers; do m[$s]=$(median_of "$file" "$s" "$row"); line+=$(printf ' %12s' "${m[$s]}"); done
        for s in $servers; do [ "$s" = diod ] || line+=$(printf ' %18s' "$(ratio_of "${m[$s]}" "${m[diod]:--}")"); done
        [[ " $servers " == *" p9gate "* && " $servers " == *" p9gate-bare "* ]] &&
            line+=$(printf ' %20s' "$(ratio_of "${m[p9gate]}" "${m[p9gate-bare]}")")
        echo "$line"
        unset m
    done
}

# start_bench_servers ROOT WORK SHARE "SERVERS" PREPARE: per server a fresh directory WORK/SERVER-SHARE,
# filled by the function PREPARE DIR, served under SHARE; sets BENCH_ADDR[S] (unix:PATH) and BENCH_ANAME[S].
# Installs the EXIT trap that stops the servers and removes WORK.
declare -A BENCH_PID=() BENCH_ADDR=() BENCH_ANAME=()
start_bench_servers() {
    local root=$1 work=$2 share=$3 servers=$4 prepare=$5 s dir
    BENCH_WORK=$work
    trap stop_bench_servers EXIT
    chmod 755 "$work"   # the kernel's first attach is "nobody": exports must be reachable
    for s in $servers; do
        dir=$work/$s-$share; mkdir -p "$dir/base" "$dir/secret"; chmod 755 "$dir"
        "$prepare" "$dir"
        start_bench_server "$s" "$root" "$work" "$share" "$dir"
        BENCH_PID[$s]=$SERVER_PID BENCH_ADDR[$s]=$SERVER_ADDR BENCH_ANAME[$s]=$SERVER_ANAME
        echo "# $s on $SERVER_ADDR"
    done
}

stop_bench_servers() {
    local s
    for s in "${!BENCH_PID[@]}"; do stop_bench_server "${BENCH_PID[$s]}"; done
    rm -rf "$BENCH_WORK"
}

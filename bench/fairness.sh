#!/usr/bin/env bash
# fairness.sh - R-ROB-2 / issue 8 item 4: VM B's small-file read latency while
# VM A floods the gateway, against the same latency with A idle.  Acceptance:
# flooded p99 < 3 x idle p99.
#
# One gateway (`p9gate serve --policy`, two VMs on Unix sockets, signed audit
# log on), each VM with its own share: A's holds big/ (ENTRIES files) and a
# hidden secret/, B's holds small/ (100 files of 4 KiB).  Each run measures B
# idle, then starts A's flood (a separate JVM, FairnessLoad flood: Treaddir of
# big/, walks into the hidden secret/, pending 64 KiB xattrs, held fids; each
# kind on CONNECTIONS connections with IN_FLIGHT requests outstanding), waits
# for it to be under way, measures B again, stops the flood.  B's measurement
# (FairnessLoad victim) is OPS sequences of walk + open + read 4 KiB + clunk,
# one at a time, after 300 discarded; with --victim create, of walk + create +
# write 4 KiB + clunk + unlink (B's share is then read-write), two changes whose
# audit intents each wait for an fsync of the log.  Prints each run's p50/p99 and the
# medians over the runs, and the flooded/idle ratio of the p99 medians.
#
# usage: bench/fairness.sh [--runs N] [--ops N] [--entries N] [--kinds K,K]
#                          [--connections C] [--in-flight W] [--settle S] [--gateway DIR]
#                          [--victim read|create]
#   --kinds    flood kinds (default readdir,denied-walks,xattr,fids; also writes:
#              Twrites of the whole iounit over 256 MiB of a file per connection;
#              meta: Tmkdir and Tunlinkat of directories of the share's root, each
#              change's audit intent waiting for an fsync of the log)
#   --settle   seconds the flood runs before B is measured (default 3)
#   --gateway  the checkout whose ./p9gate serves (default this one), to compare
#              builds; the load clients are always this checkout's
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=5 OPS=3000 ENTRIES=20000 KINDS=readdir,denied-walks,xattr,fids CONNECTIONS=4 IN_FLIGHT=64 SETTLE=3
GATEWAY=$ROOT VICTIM=read
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --ops) OPS=$2; shift 2 ;;
        --entries) ENTRIES=$2; shift 2 ;;
        --kinds) KINDS=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --in-flight) IN_FLIGHT=$2; shift 2 ;;
        --settle) SETTLE=$2; shift 2 ;;
        --gateway) GATEWAY=$(cd "$2" && pwd); shift 2 ;;
        --victim) VICTIM=$2; shift 2 ;;
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) echo "fairness: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$VICTIM" in
    read) B_ACCESS=read-only ;;
    create) B_ACCESS=read-write ;;
    *) echo "fairness: --victim is read or create, not $VICTIM" >&2; exit 2 ;;
esac

. "$ROOT/bench/clients/load-classpath.sh"
bench_load_classpath "$ROOT" fairness || exit 1   # builds this checkout once if needed
[ "$GATEWAY" = "$ROOT" ] || "$GATEWAY/p9gate" --help >/dev/null
load() {  # ROLE OPTIONS... (always run in a subshell or in the background: it becomes the java process)
    exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx256m \
        -cp "$BENCH_LOAD_CP" io.p9gate.bench.load.FairnessLoad "$@"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fairness.XXXXXX")
GATEWAY_PID= FLOOD_PID=
cleanup() {
    for pid in $FLOOD_PID $GATEWAY_PID; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/a/big" "$WORK/a/secret" "$WORK/b/small" "$WORK/keys"
(cd "$WORK/a/big" && seq -f 'e%.0f' 0 $((ENTRIES - 1)) | xargs touch)
for i in $(seq 0 99); do head -c 4096 /dev/urandom >"$WORK/b/small/f$i"; done
cat >"$WORK/policy.yaml" <<YAML
image: fairness-bench
protect: {keys: $WORK/keys, audit: $WORK/audit}
vms:
  a:
    listen: unix:$WORK/a.sock
    ids: {uid: {squash: $(id -u)}, gid: {squash: $(id -g)}}
    shares:
      data: {path: $WORK/a, access: read-write, hidden: [/secret]}
  b:
    listen: unix:$WORK/b.sock
    ids: {uid: {squash: $(id -u)}, gid: {squash: $(id -g)}}
    shares:
      data: {path: $WORK/b, access: $B_ACCESS}
YAML
"$ROOT/p9gate" keys generate --name fairness-bench --out "$WORK/keys/audit" >/dev/null 2>&1
"$GATEWAY/p9gate" serve --policy "$WORK/policy.yaml" --ownership xattr \
    --audit-dir "$WORK/audit" --audit-key "$WORK/keys/audit.key" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
for _ in $(seq 300); do
    grep -q 'SIGHUP reloads it' "$WORK/gateway.log" 2>/dev/null && break
    kill -0 "$GATEWAY_PID" 2>/dev/null || { cat "$WORK/gateway.log" >&2; exit 1; }
    sleep 0.1
done

victim() {  # LABEL RUN
    load victim --server "unix:$WORK/b.sock" --aname data --ops "$OPS" --sequence "$VICTIM" | sed "s/^RESULT /$1 $2 /" | tee -a "$WORK/results"
}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); gateway $GATEWAY, commit $(git -C "$GATEWAY" rev-parse --short HEAD 2>/dev/null || echo '?');" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "# $RUNS runs; B: $OPS x $VICTIM sequence; A floods $KINDS, $CONNECTIONS connections x $IN_FLIGHT in flight each; big/ has $ENTRIES entries"
victim warmup 0 >/dev/null
for run in $(seq "$RUNS"); do
    victim idle "$run"
    load flood --server "unix:$WORK/a.sock" --aname data --kinds "$KINDS" --connections "$CONNECTIONS" \
        --in-flight "$IN_FLIGHT" --entries "$ENTRIES" >"$WORK/flood.log" 2>&1 &
    FLOOD_PID=$!
    sleep "$SETTLE"
    victim flooded "$run"
    kill "$FLOOD_PID"; wait "$FLOOD_PID" 2>/dev/null || true; FLOOD_PID=
    grep '^# flood ' "$WORK/flood.log" | sed "s/^# /# run $run: /" || true
    sleep 1
done

median() {  # LABEL METRIC
    awk -v l="$1" -v m="$2" '$1==l && $3==m {print $4}' "$WORK/results" | sort -g |
        awk '{v[NR]=$1} END{if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'
}
echo
printf '%-16s %14s %14s %8s\n' metric "idle (us)" "flooded (us)" ratio
for m in small-$VICTIM-p50 small-$VICTIM-p99 small-$VICTIM-max; do
    i=$(median idle "$m") f=$(median flooded "$m")
    printf '%-16s %14s %14s %8s\n' "$m" "$i" "$f" "$(awk -v i="$i" -v f="$f" 'BEGIN{printf "%.2f", f/i}')"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -h -i 'warn\|refus' "$WORK/gateway.log" | head -5 | sed 's/^/# gateway: /' || true

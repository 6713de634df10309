#!/usr/bin/env bash
# pjdfstest.sh - pjdfstest (pjd/pjdfstest) as root in the Linux guest on a v9fs mount, against p9gate
# and/or diod: same kernel, same mount options (cache=none), same runner (docs/testing.md, issue 15).
#
# usage: bench/pjdfstest.sh --source DIR [--server p9gate|diod] [--policy FILE] [--ownership chown|xattr]
#                           [--tests 'GLOB ...'] [--log DIR] [--timeout S]
#   --source DIR   pjdfstest's source tree (configure.ac, pjdfstest.c, tests/); it is copied and built
#                  with autoreconf/configure and `gcc -static` in a scratch folder, never in DIR
#   --server S     p9gate or diod (default: both, one after the other, then the cases only p9gate fails)
#   --policy FILE  p9gate only: serve --policy FILE, a template in which @SHARE@ is replaced by the export
#                  directory and @SOCKET@ by a unix socket path; its VM must listen on unix:@SOCKET@ and
#                  serve the share under the attach name pjd (bench/pjdfstest-policy.yaml)
#   --ownership M  p9gate only: serve --ownership M (with --policy)
#   --tests GLOBS  blank-separated globs under tests/ (default every file: '*/*.t')
#   --log DIR      keep each server's full guest output in DIR/<server>.log (default: a scratch folder)
#   --timeout S    the guest's time limit (default 14400)
# Prints "SERVER FILE passed=P failed=F" per file, the failed cases, and "SERVER TOTAL ...".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/gateway/src/test/guest/servers.sh"
SOURCE= SERVERS="p9gate diod" POLICY= OWNERSHIP= TESTS='*/*.t' LOGDIR= TIMEOUT=14400
die() { echo "pjdfstest: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --source) SOURCE=${2:-}; shift 2 ;;
        --server) SERVERS=${2:-}; shift 2 ;;
        --policy) POLICY=${2:-}; shift 2 ;;
        --ownership) OWNERSHIP=${2:-}; shift 2 ;;
        --tests) TESTS=${2:-}; shift 2 ;;
        --log) LOGDIR=${2:-}; shift 2 ;;
        --timeout) TIMEOUT=${2:-}; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
[ -n "$SOURCE" ] || die "--source DIR is required: pjdfstest's source (git clone https://github.com/pjd/pjdfstest)"
[ -f "$SOURCE/pjdfstest.c" ] && [ -f "$SOURCE/configure.ac" ] && [ -f "$SOURCE/tests/misc.sh" ] ||
    die "$SOURCE is not pjdfstest's source (no pjdfstest.c, configure.ac or tests/misc.sh)"
case "$SERVERS" in p9gate|diod|"p9gate diod") ;; *) die "--server must be p9gate or diod" ;; esac
[ -z "$POLICY$OWNERSHIP" ] || [ "$SERVERS" = p9gate ] || die "--policy and --ownership need --server p9gate"
[ -z "$OWNERSHIP" ] || [ -n "$POLICY" ] || die "--ownership needs --policy (serve --share has no ownership option)"
[ -z "$POLICY" ] || [ -r "$POLICY" ] || die "cannot read the policy $POLICY"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "bad --timeout $TIMEOUT"
for tool in autoreconf make gcc tar; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install autoconf automake make gcc)"
done
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || die "no static libc for gcc -static (Debian: apt-get install libc6-dev)"
[[ "$SERVERS" != *diod* ]] || command -v diod >/dev/null || die "diod is missing (Debian: apt-get install diod)"
GUEST_DIR=${P9GATE_GUEST_DIR:-}
if [ -z "$GUEST_DIR" ]; then
    d=$ROOT
    while [ "$d" != / ]; do d=$(dirname "$d"); [ -x "$d/shared/guest/run-guest.sh" ] && { GUEST_DIR=$d/shared/guest; break; }; done
fi
[ -x "${GUEST_DIR:-}/run-guest.sh" ] || die "no shared/guest/run-guest.sh above $ROOT (set P9GATE_GUEST_DIR)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pjdfstest.XXXXXX")
chmod 755 "$WORK"   # the kernel's first attach is "nobody": exports must be reachable
[ -n "$LOGDIR" ] || LOGDIR=$WORK/logs
mkdir -p "$LOGDIR"
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

echo "# building pjdfstest from $SOURCE (gcc -static)" >&2
cp -r "$SOURCE" "$WORK/src"
if ! (cd "$WORK/src" && autoreconf -ifs && ./configure LDFLAGS=-static && make pjdfstest) >"$WORK/build.log" 2>&1; then
    tail -n 20 "$WORK/build.log" >&2; die "building pjdfstest failed (log above)"
fi
mkdir -p "$WORK/pack"
cp "$WORK/src/pjdfstest" "$WORK/pack/"
cp -r "$WORK/src/tests" "$WORK/pack/"
tar -cf "$WORK/pjdfstest.tar" -C "$WORK/pack" .
chmod 755 "$WORK/pjdfstest.tar"   # run-guest.sh --add-bin copies executables only

run_server() {  # SERVER: start it, run the suite in a guest, print the per-file lines
    local s=$1 target export_dir
    export_dir=$(make_export "$WORK/$s")
    case "$s" in
        diod) start_diod "$export_dir" "$WORK/diod.log"; target=(--server "$SERVER_ADDR" --aname "$SERVER_ANAME") ;;
        p9gate)
            if [ -n "$POLICY" ]; then
                sed -e "s|@SHARE@|$export_dir|g" -e "s|@SOCKET@|$WORK/pjd.sock|g" "$POLICY" >"$WORK/policy.yaml"
                "$ROOT/p9gate" serve --policy "$WORK/policy.yaml" ${OWNERSHIP:+--ownership "$OWNERSHIP"} \
                    >"$WORK/p9gate.log" 2>&1 &
                SERVER_PID=$!
                local i; for i in $(seq 1800); do
                    [ -S "$WORK/pjd.sock" ] && break
                    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/p9gate.log" >&2; die "p9gate did not start"; }
                    sleep 0.1
                done
                target=(--unix "$WORK/pjd.sock" --aname pjd)
            else
                start_p9gate "$ROOT" pjd "$export_dir" "$WORK/p9gate.log"
                target=(--server "$SERVER_ADDR" --aname "$SERVER_ANAME")
            fi ;;
    esac
    echo "# $s: $(date -u '+%H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    local rc=0
    "$GUEST_DIR/run-guest.sh" "${target[@]}" --mount-opts cache=none --timeout "$TIMEOUT" \
        --script "$ROOT/bench/guest/pjdfstest-run.sh" --add-bin "$WORK/pjdfstest.tar" \
        --env PJD_TAR="$WORK/pjdfstest.tar" --env PJD_TESTS="$TESTS" >"$LOGDIR/$s.log" 2>&1 || rc=$?
    stop_server
    grep -q '^PJDTOTAL ' "$LOGDIR/$s.log" || { tail -n 20 "$LOGDIR/$s.log" >&2; die "$s: the guest run ended early (exit $rc), log $LOGDIR/$s.log"; }
    sed -n "s/^PJD \([^ ]*\) planned=[0-9]* \(.*\)/$s \1 \2/p; s/^NOTOK /$s not-ok /p; s/^PJDTOTAL /$s TOTAL /p" "$LOGDIR/$s.log"
}

for s in $SERVERS; do run_server "$s" | tee "$WORK/$s.result"; done
if [ "$SERVERS" = "p9gate diod" ]; then
    # "not ok N" lines of p9gate whose file and case number diod passed.
    awk '$2 == "not-ok" {print $3, ($4 == "not" ? $6 : $5)}' "$WORK/diod.result" | sort -u >"$WORK/diod.failed"
    awk '$2 == "not-ok" {print $3, ($4 == "not" ? $6 : $5)}' "$WORK/p9gate.result" | sort -u >"$WORK/p9gate.failed"
    echo "# cases p9gate fails that diod passes: $(comm -23 "$WORK/p9gate.failed" "$WORK/diod.failed" | wc -l)"
    comm -23 "$WORK/p9gate.failed" "$WORK/diod.failed" | sed 's/^/only-p9gate /'
fi

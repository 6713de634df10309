# pjdfstest-run.sh - runs pjdfstest's .t files INSIDE the test guest (busybox sh, as root, cwd = the
# 9P mount), for bench/pjdfstest.sh.  The guest has no perl, so this replaces `prove`: each file runs
# under `sh`, and its TAP lines are counted.
#   PJD_TAR    tar of pjdfstest/ (the static `pjdfstest` binary and the suite's tests/ folder)
#   PJD_TESTS  blank-separated globs under tests/, e.g. 'chmod/* open/02.t' (default: every .t)
#   PJD_FILE_TIMEOUT  seconds one file may take (default 900)
# Prints one line per file, "PJD FILE planned=N passed=P failed=F", where a planned case that printed
# neither "ok" nor "not ok" counts as failed, then each "not ok" line prefixed with "NOTOK FILE ", and
# "PJDTOTAL files=.. planned=.. passed=.. failed=..".  "not ok N # TODO" counts as failed too (the suite
# marks known failures of other systems that way; it never applies to Linux).
set -u
MNT=$(pwd)
PJD=/root/pjd
mkdir -p "$PJD" && tar -xf "$PJD_TAR" -C "$PJD" || { echo "pjdfstest-run: cannot unpack $PJD_TAR"; exit 1; }
# misc.sh names files with `openssl md5` of random bytes, taking the last field; the guest has no openssl.
mkdir -p "$PJD/bin"
printf '#!/bin/sh\n[ "$1" = md5 ] || exit 1\nmd5sum | cut -d" " -f1\n' >"$PJD/bin/openssl"
chmod 755 "$PJD/bin/openssl"
PATH=$PJD/bin:$PATH
export PATH

cd "$PJD/tests" || exit 1
FILES=
for g in ${PJD_TESTS:-*/*.t}; do
    for f in $g; do
        case "$f" in *.t) [ -f "$f" ] && FILES="$FILES $f" ;; esac
    done
done
[ -n "$FILES" ] || { echo "pjdfstest-run: no .t file matches '${PJD_TESTS:-*/*.t}'"; exit 1; }

NF=0 TP=0 TPASS=0 TFAIL=0
for f in $FILES; do
    out=/tmp/pjd.out
    cd "$MNT"
    timeout "${PJD_FILE_TIMEOUT:-900}" sh "$PJD/tests/$f" >"$out" 2>&1
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
    passed=$(grep -c '^ok ' "$out")
    notok=$(grep -c '^not ok' "$out")
    [ -n "$planned" ] || planned=$((passed + notok))
    failed=$((planned - passed))
    [ "$failed" -lt "$notok" ] && failed=$notok
    echo "PJD $f planned=$planned passed=$passed failed=$failed"
    grep '^not ok' "$out" | sed "s|^|NOTOK $f |"
    NF=$((NF + 1)) TP=$((TP + planned)) TPASS=$((TPASS + passed)) TFAIL=$((TFAIL + failed))
done
echo "PJDTOTAL files=$NF planned=$TP passed=$TPASS failed=$TFAIL"

# tap.sh - the TAP-like check helpers of the guest scripts.  Not run alone:
# RepoPaths.withTap puts it in front of a script (the harness sends the guest one file).
#
# check NAME FUNCTION...: runs FUNCTION in a subshell under set -e; "ok N - NAME" or "not ok N - NAME: last lines".
# skip NAME REASON: "ok N - NAME # SKIP REASON".  finish LABEL: "1..N", a summary, and the status.

N=0 FAILED=0
OUT=/tmp/tap-check.out
CMD_OUT=/tmp/tap-cmd.out

check() {
    name=$1; shift
    N=$((N + 1))
    ( set -e; "$@" ) >"$OUT" 2>&1
    if [ $? -eq 0 ]; then
        echo "ok $N - $name"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - $name: $(tail -3 "$OUT" | tr '\n' ' ')"
    fi
}
skip() {
    N=$((N + 1))
    echo "ok $N - $1 # SKIP $2"
}
expect() {
    [ "$1" = "$2" ] || { echo "$3: expected '$2', got '$1'"; return 1; }
}
# fails_with MESSAGE WHAT COMMAND...: the command must fail and say MESSAGE (a grep pattern, case-insensitive);
# what it said stays in $CMD_OUT.
fails_with() {
    msg=$1; what=$2; shift 2
    if "$@" >"$CMD_OUT" 2>&1; then echo "$what: succeeded but must fail"; return 1; fi
    grep -qi "$msg" "$CMD_OUT" || { echo "$what: expected '$msg', got: $(cat "$CMD_OUT")"; return 1; }
}
finish() {
    echo "1..$N"
    echo "# $1: $N checks, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

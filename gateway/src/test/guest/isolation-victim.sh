# isolation-victim.sh - the well-behaved VM (cluster) of GuestIsolationIT, in its own guest while another guest on
# the same gateway attacks (isolation-hostile.sh).  Runs a fixed workload twice: once while the hostile guest only
# waits ("baseline"), once while it floods ("attacked"), and prints how long each took.
#
# cluster may write /cluster (which the hostile VM may only read), /cluster-private (hidden from it) and /shared
# (which both write); /scratch is read-only to it.  Lines for the test: "@@ time-LABEL MS", "@@ error ..." for each
# thing that went wrong, "@@ errors N" at the end.

H=${ISO_HELPER:?ISO_HELPER not set}
N=${ISO_FILES:-20}
S=shared/sync
errors=0
bad() { echo "@@ error $*"; errors=$((errors + 1)); }
expect() { [ "$1" = "$2" ] || bad "$3: expected '$2', got '$1'"; }

# Files made, written from a checksummed source, read back, renamed, read again, (where no other VM can open them)
# locked and unlocked with fcntl and flock, and removed, in a directory the hostile VM can read and in one it
# cannot see.
files() {
    d=$1/run-$2
    mkdir "$d" || bad "mkdir $d"
    i=0
    while [ $i -lt "$N" ]; do
        dd if=/dev/urandom of=/tmp/src bs=4096 count=8 2>/dev/null
        want=$(sha256sum </tmp/src)
        cp /tmp/src "$d/f$i" || bad "cp $d/f$i"
        expect "$(sha256sum <"$d/f$i")" "$want" "checksum of $d/f$i"
        mv "$d/f$i" "$d/g$i" || bad "mv $d/f$i"
        expect "$(sha256sum <"$d/g$i")" "$want" "checksum of $d/g$i after mv"
        [ "$1" = cluster-private ] && expect "$("$H" lockcycle "$d/g$i" 2)" OK "locks on $d/g$i"
        rm "$d/g$i" || bad "rm $d/g$i"
        i=$((i + 1))
    done
    expect "$(ls -A "$d")" "" "left in $d"
    rmdir "$d" || bad "rmdir $d"
}

# LABEL GO LOCKED: the workload; an open descriptor in /shared/vdir (which the hostile VM renames back and forth)
# writes and reads 40 blocks once GO exists; LOCKED is what a no-wait read lock gets on /shared/locked and on
# /shared/flocked. One on /cluster/notes.txt always succeeds: the hostile VM may only read it, so its flock -x there
# is refused (EROFS) and holds nothing back (docs/filesystem.md, "Locks").
workload() {
    "$H" fdio "shared/vdir/data-$1" 40 "$2" >"/tmp/fdio-$1" &
    fdio=$!
    [ "$2" = . ] || { : >"$S/attack"; expect "$("$H" wait "$S/attacking" 120)" OK "the attack began"; }
    start=$("$H" now)
    files cluster "$1"
    files cluster-private "$1"
    expect "$("$H" creat "scratch/from-cluster-$1")" open:EROFS "its policy: /scratch read-only"
    for f in shared/locked shared/flocked; do expect "$("$H" trylock $f)" "$3" "a no-wait lock on $f"; done
    expect "$("$H" trylock cluster/notes.txt)" OK "a no-wait lock on cluster/notes.txt"
    wait $fdio
    expect "$(cat "/tmp/fdio-$1")" OK "descriptor I/O in /shared/vdir"
    echo "@@ time-$1 $(($("$H" now) - start))"
}

expect "$("$H" wait "$S/hostile-ready" 150)" OK "the hostile guest came up"
workload baseline . OK
workload attacked "$S/attacking" fcntl:EAGAIN
: >"$S/stop"
# The hostile VM takes a lock on /shared/crashlock and its guest dies holding it (no unlock, no clunk, no close):
# a blocking lock of the victim's waits for it, then gets it once the gateway has seen the connection drop (the
# Linux client asks again every 30 s while the answer is "blocked").
expect "$("$H" wait "$S/crash-ready" 120)" OK "the hostile VM holds /shared/crashlock"
expect "$("$H" trylock shared/crashlock)" fcntl:EAGAIN "a no-wait lock on /shared/crashlock"
start=$("$H" now)
"$H" lockcycle shared/crashlock 1 >/tmp/crash &
locker=$!
# The guest kernel takes the lock locally (listed in /proc/locks) just before it asks the gateway: the hostile VM
# dies only once the victim waits for its lock.
n=0
while ! grep -q POSIX /proc/locks && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sleep 1
: >"$S/crash"
wait $locker
expect "$(cat /tmp/crash)" OK "a lock the dead VM held"
echo "@@ crash-lock $(($("$H" now) - start))"
expect "$(cat cluster-private/secret)" "cluster's secret" "its hidden file"
echo "@@ errors $errors"
[ "$errors" -eq 0 ]

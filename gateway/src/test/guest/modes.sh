# modes.sh - create modes, set-id bits and timestamps seen through the Linux
# kernel 9P client (issue 15).  Run INSIDE the test guest by busybox sh, as
# root, with cwd = the 9P mount, by GuestModesIT, which then checks the host
# side of the same files.  POSIX_HELPER is posix-helper (create, utimens).
#
# Output is TAP-like ("ok N - name" / "not ok N - name: details", then "1..N").

N=0 FAILED=0
# check NAME ACTUAL EXPECTED
check() {
    N=$((N + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $N - $1"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - $1: expected '$3', got '$2'"
    fi
}

# Cause 1: under umask 0 the modes asked are the modes wanted; the gateway's
# own umask (022) must not clear group/other bits.
umask 0
"$POSIX_HELPER" create f620 0620
check "open(O_CREAT, 0620) under umask 0" "$(stat -c %a f620)" 620
mkdir d777
check "mkdir 0777 under umask 0" "$(stat -c %a d777)" 777
mkfifo p666
check "mkfifo 0666 under umask 0" "$(stat -c %a p666)" 666
umask 022

# Cause 2: set-id bits the guest sets are shown to it (the host file has none).
: >setid
chmod 06555 setid
check "chmod 06555 reads back 6555" "$(stat -c %a setid)" 6555
: >chowned
chmod 06555 chowned
chown 1:1 chowned
check "chown clears set-uid and set-gid" "$(stat -c %a chowned)" 555
mkdir sdir
chmod 07775 sdir
check "a directory reads back 7775" "$(stat -c %a sdir)" 7775

# utimensat nanoseconds: what the guest reads back; GuestModesIT reads the host.
: >times
"$POSIX_HELPER" utimens times 123456789
echo "# utimensat 1600000000.123456789 reads back in the guest as: $(stat -c '%X %Y %y' times)"

echo "1..$N"
echo "# modes: $((N - FAILED))/$N passed"
[ "$FAILED" -eq 0 ]

# setid-lock.sh - GuestSetIdLockReloadIT's two guests (ROLE=a: VM a, cache=loose; ROLE=b: VM b, cache=none), on
# one gateway and one folder; VM a's uids are host 200000+, VM b's 300000+.  Prints "@@ NAME VALUE" lines.
#
# 1. Kept set-id bits (fs/SetIdBits) through the real client, each VM in its own directory: a write or truncate by a
#    non-root user clears set-uid (and set-gid with g+x), root's write keeps it; install -m 4755, cp -p and tar x of
#    a set-uid file give 4755 (whatever Tsetattr/Tlcreate order the tools make), a chown clears it.
# 2. VM b's root appends to VM a's set-uid file a/x, which b is shown without the bit: a sees it cleared.
# 3. VM a holds a write lock on shared/lk; b waits for it (F_SETLKW); the host makes shared/lk read-only for a and
#    reloads: the gateway keeps a's lock as a read lock; a's own lock calls after that answer cleanly, and b gets
#    the lock once a's are gone.
H=${SL_HELPER:?SL_HELPER not set}
S=sync
s() { echo "@@ $ROLE-$1 $(stat -c %a "$2" 2>&1)"; }
[ "$ROLE" = a ] && : >$S/a-ready
D=$ROLE
mkdir $D

echo hi >$D/f; chmod 4777 $D/f; $H as 1000 sh -c "echo y >>$D/f"; s nonroot-append $D/f
echo hi >$D/t; chmod 4777 $D/t; $H as 1000 truncate -s 0 $D/t; s nonroot-truncate $D/t
echo hi >$D/g; chmod 2777 $D/g; $H as 1000 sh -c "echo y >>$D/g"; s sgid-gx-append $D/g
echo hi >$D/r; chmod 4777 $D/r; echo z >>$D/r; s root-append $D/r
echo '#!/bin/sh' >/tmp/src; chmod 4755 /tmp/src
install -m 4755 /tmp/src $D/inst; s install $D/inst
cp -p /tmp/src $D/cpp; s cp-p $D/cpp
(cd /tmp && tar cf /tmp/t.tar src); tar xf /tmp/t.tar -C $D; s tar-x $D/src
chown 5:5 $D/src; s chown $D/src

if [ "$ROLE" = a ]; then
    echo hi >a/x; chmod 4777 a/x; s x-own a/x
    : >$S/x-ready
    $H await $S/x-written 120 || echo "@@ a-error no x-written"
    # cache=loose: a/x's inode may still be busy on a loaded machine (marks.sh)
    dropped_until_not %a a/x 4777
    s x-after-b a/x
    $H hold shared/lk $S/a-holds $S/go
else
    $H await $S/x-ready 120 || echo "@@ b-error no x-ready"
    s x-shown a/x
    echo b >>a/x; echo "@@ b-x-append $?"
    : >$S/x-written
    $H await $S/a-holds 120 || echo "@@ b-error no a-holds"
    $H setlkw shared/lk >/tmp/wait &
    waiter=$!
    # The guest kernel lists the lock in /proc/locks before it asks the gateway (and while the gateway says blocked).
    n=0
    while ! grep -q POSIX /proc/locks && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
    : >$S/b-waiting
    wait $waiter
    cat /tmp/wait
fi
echo "@@ $ROLE-done"

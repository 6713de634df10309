# two-vm-reconnect.sh - GuestTwoVmReconnectIT's two guests (ROLE=a: VM a, read-write on the folder; ROLE=b: VM b,
# the folder's data/ as a read-only share, and sync/ as a second share at /sy), cache=none, each step awaited through
# files in sync/. Prints "@@ ROLE-NAME VALUE" marks.
# 1. a writes data/f1; b reads it, and every change b tries there is refused (EROFS).
# 2. a renames 200 files of data/dir one by one while b lists data/dir again and again: every listing holds each of
#    the 100 names nobody renames once.
# 3. a mounts its share through a second port 50 times, each time opening files and a directory, then lazily
#    unmounting it and cutting the connection's relay, so that the client never clunks those fids; the next mount's
#    Tversion comes on the same host connection. b reads data/big meanwhile. The test counts the gateway's
#    descriptors at loop-start and at loop-end.

# mark, sum, outcome: marks.sh (the test puts it in front).

show() { mark "$ROLE-$1" "$2"; }
port() { for n in /sys/class/virtio-ports/*/name; do [ "$(cat "$n")" = "$1" ] && echo "/dev/$(basename "$(dirname "$n")")"; done; }
await() { i=0; while [ ! -e "$S/$1" ] && [ $i -lt 1200 ]; do i=$((i + 1)); sleep 0.1; done; [ -e "$S/$1" ] || show error "no $1"; }
# the relay processes (p9sock's pumps) of port $1
relays() { for c in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$c" 2>/dev/null | grep -q "^p9sock $1 " && basename "$(dirname "$c")"; done; }
stable() { grep -c '^s-' "$1"; }
# EROFS if COMMAND... failed so, else what outcome says
refused() { o=$(outcome "$@"); case "$o" in *"Read-only file system"*) echo EROFS ;; *) echo "$o" ;; esac; }

if [ "$ROLE" = a ]; then
    S=sync
    : >$S/a-ready
    echo hello-from-a >data/f1; show write-f1 $?
    : >$S/w1
    await b1
    mkdir data/dir
    i=0; while [ $i -lt 100 ]; do i=$((i + 1)); : >data/dir/s-$i; : >data/dir/r-$i; done
    i=100; while [ $i -lt 200 ]; do i=$((i + 1)); : >data/dir/r-$i; done
    : >$S/dir-ready
    await b-listing
    i=0; while [ $i -lt 200 ]; do i=$((i + 1)); mv data/dir/r-$i data/dir/n-$i || show mv-failed $i; done
    : >$S/renamed
    await b2
    P=$(port rc)
    mkdir -p /rc
    : >$S/loop-start
    await counted-start
    i=0; bad=0
    while [ $i -lt 50 ]; do
        i=$((i + 1))
        p9sock "$P" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,aname=car" rc /rc || bad=$((bad + 1))
        (cd /rc/data && exec 4<f1 5>>"held-$i" 6<dir && sleep 1000) &
        holder=$!
        n=0; while [ ! -e "/rc/data/held-$i" ] && [ $n -lt 100 ]; do n=$((n + 1)); sleep 0.05; done
        sleep 0.2
        umount -l /rc || bad=$((bad + 1))
        kill -9 $(relays "$P") 2>/dev/null
        kill -9 $holder; wait $holder 2>/dev/null
    done
    p9sock "$P" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,aname=car" rc /rc || bad=$((bad + 1))
    show loop-mount "$(cat /rc/data/f1)"
    umount /rc || bad=$((bad + 1))
    show loop-bad $bad
    show held "$(ls data | grep -c '^held-')"
    : >$S/loop-end
    await b3
    show done ""
else
    S=/sy
    mkdir -p /sy
    p9sock "$(port sy)" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,aname=sy,cache=none" sy /sy
    await w1
    show read-f1 "$(cat f1)"
    show write-f1 "$(refused sh -c 'echo x >f1')"
    show touch "$(refused touch new)"
    show rm "$(refused rm f1)"
    show mv "$(refused mv f1 f2)"
    show mkdir "$(refused mkdir d)"
    show owner "$(stat -c '%u %g' f1)"
    show f1-after "$(cat f1)"
    : >$S/b1
    await dir-ready
    : >$S/b-listing
    n=0; bad=0
    while [ ! -e $S/renamed ] || [ $n -lt 3 ]; do
        n=$((n + 1))
        # a glob, not ls: ls stats each name it read, which a rename may have moved since (ENOENT)
        (cd dir && for f in *; do echo "$f"; done) >/tmp/l || bad=$((bad + 1))
        [ "$(stable /tmp/l) $(grep '^s-' /tmp/l | sort -u | wc -l)" = "100 100" ] || bad=$((bad + 1))
    done
    show listings-bad "$bad"
    show listed "$(ls dir | grep -c '^n-') $(ls dir | grep -c '^r-')"
    : >$S/b2
    await loop-start
    want=$(sum <big); n=0; bad=0
    while [ ! -e $S/loop-end ]; do
        n=$((n + 1))
        [ "$(sum <big)" = "$want" ] || bad=$((bad + 1))
        ls >/dev/null || bad=$((bad + 1))
    done
    show loop-reads "$([ $n -gt 5 ] && echo many) $bad"
    show held "$(ls | grep -c '^held-')"
    : >$S/b3
    show done ""
fi

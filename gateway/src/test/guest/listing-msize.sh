# listing-msize.sh - GuestListingMsizeIT: big/ (the host made 10,000 files in it) mounted three more times through
# extra virtio-serial ports, at msize 1 MiB (m1), 512 KiB (m2) and 128 KiB (m3); three rounds, each listing big/
# through every mount in turn, two ways: a glob (getdents only: Treaddir; busybox ls has no -f) and ls -l (a Twalk
# and Tgetattr per entry besides). Run INSIDE the guest by busybox sh, as root, cwd = the harness's mount. Prints
# "@@ NAME VALUE" marks; times in ms of guest uptime.

# mark, sum, outcome: marks.sh (the test puts it in front).

now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
port() { for n in /sys/class/virtio-ports/*/name; do [ "$(cat "$n")" = "$1" ] && echo "/dev/$(basename "$(dirname "$n")")"; done; }
# mnt PORT MSIZE: the share at /PORT
mnt() { mkdir -p "/$1"; p9sock "$(port "$1")" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,msize=$2,aname=car" "$1" "/$1"; }
mnt m1 1048576
mnt m2 524288
mnt m3 131072
for m in m1 m2 m3; do
    mark "msize-$m" "$(grep " /$m " /proc/mounts | sed -n 's/.*msize=\([0-9]*\).*/\1/p')"
done
for i in 1 2 3; do
    for m in m1 m2 m3; do
        t0=$(now)
        (cd "/$m/big" && for n in .* *; do echo "$n"; done) >/tmp/names
        t1=$(now)
        ls -l "/$m/big" >/tmp/long
        t2=$(now)
        mark "names-$m-$i" "$((t1 - t0))"
        mark "long-$m-$i" "$((t2 - t1))"
        mark "names-$m" "$(sort /tmp/names | sum) $(wc -l </tmp/names)"
        mark "long-$m" "$(wc -l </tmp/long)"
    done
done
umount /m1 /m2 /m3
mark done 1

# truncate-quota-overmount.sh - GuestTruncateQuotaOvermountIT's guest: VM a (host ids 200000+), gateway as root,
# share "car" on the harness's mount (cwd) and share "over" mounted through extra virtio-serial ports (o1, o2, o3;
# q2 and u mount car a second and third time, u in 9P2000.u). Prints "@@ NAME VALUE" lines.
# 1. Files the host made set-uid (sid/*, host 04644 or 04666, owner guest 1000): root's truncate -s 0, ': >'
#    (O_TRUNC) and append keep the bit as Linux's root does, uid 1000's clear it; root's own chmod 4755 survives
#    its truncates and write; files the host chmods u+s after the guest looked at them (sync late-*).
# 2. Quota scope q (4 MiB, 64 inodes): two shells (two mounts, two sessions) mv temp files onto n0..n3 while a
#    third rm's them; then the kernel's fids are dropped and stat -f q shows the room left.
# 3. o1 mounted, the host mounts a tmpfs over the share "over" (sync tmpfs-on): a mount through o2 fails, o1 still
#    reads and writes, but its first use by uid 1000 (a new attach on o1's session) is ESTALE too; the host unmounts
#    it (sync tmpfs-off): a mount through o3 works and sees o1's files.
H=${SL_HELPER:?SL_HELPER not set}
S=sync
s() { echo "@@ $1 $(stat -c %a "$2" 2>&1)"; }
port() { for n in /sys/class/virtio-ports/*/name; do [ "$(cat "$n")" = "$1" ] && echo "/dev/$(basename "$(dirname "$n")")"; done; }
# mnt PORT SHARE DIR [VERSION [,MORE-OPTIONS]]
mnt() { p9sock "$(port "$1")" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=${4:-9p2000.L},msize=524288,aname=$2$5" "$1" "$3"; }

truncate -s 0 sid/rt; s rt sid/rt
: >sid/ro; s ro sid/ro
echo x >>sid/rw; s rw sid/rw
$H as 1000 truncate -s 0 sid/ut; s ut sid/ut
$H as 1000 sh -c ': >sid/uo'; s uo sid/uo
$H as 1000 sh -c 'echo x >>sid/uw'; s uw sid/uw
echo hi >sid/own; chmod 4755 sid/own
truncate -s 0 sid/own; s own-truncate sid/own
: >sid/own; s own-otrunc sid/own
echo y >>sid/own; s own-write sid/own
echo hi >sid/late-t; echo hi >sid/late-o; chown 1000:1000 sid/late-t sid/late-o; chmod 666 sid/late-t sid/late-o
s late-t-before sid/late-t
: >$S/late-ready
$H await $S/late-go 120 || echo "@@ error no late-go"
s late-t-shown sid/late-t
truncate -s 0 sid/late-t; s late-t sid/late-t
$H as 1000 sh -c ': >sid/late-o'; s late-o sid/late-o

# The same through a 9P2000.u mount (Twstat's length), and host times past 2106 and before 1970 clamped to its u32.
mkdir -p /mu /mnt2
mnt u car /mu 9p2000.u || echo "@@ error u not mounted"
truncate -s 0 /mu/sid/u-rt; s u-rt /mu/sid/u-rt
$H as 1000 truncate -s 0 /mu/sid/u-ut; s u-ut /mu/sid/u-ut
echo "@@ u-far $(stat -c %Y /mu/far)"
echo "@@ u-old $(stat -c %Y /mu/old)"
umount /mu

mnt q2 car /mnt2 || echo "@@ error q2 not mounted"
writer() {
    i=0
    while [ $i -lt 150 ]; do
        dd if=/dev/zero of="$2/q/t$1-$i" bs=1k count=$(((i * 7 + $1) % 40)) 2>>/tmp/qerr
        mv -f "$2/q/t$1-$i" "$2/q/n$((i % 4))" 2>>/tmp/qerr
        i=$((i + 1))
        [ $i = 100 ] && : >/tmp/qstop # the last renames over names the remover left
    done
}
remover() { while [ ! -e /tmp/qstop ]; do rm -f q/n0 q/n1 q/n2 q/n3 2>>/tmp/qerr; done; }
writer 1 /mnt &
w1=$!
writer 2 /mnt2 &
w2=$!
remover &
r=$!
wait $w1 $w2 $r
umount /mnt2
echo "@@ quota-errors $(grep -v -e 'No such file or directory' -e ' records ' /tmp/qerr | head -3 | tr '\n' ' ')"
echo 3 >/proc/sys/vm/drop_caches
echo "@@ quota-statfs $(stat -f -c '%f %d %S' q)"
echo "@@ quota-left $(ls q | tr '\n' ' ')"

mkdir -p /o1 /o2 /o3
# access=user (9P2000.u's default): one Tattach per guest user, on first use; uid 1000 first uses it mid-overmount
mnt o1 over /o1 "" ,access=user 2>&1 || echo "@@ error o1 not mounted"
echo one >/o1/f1
: >$S/o1-mounted
$H await $S/tmpfs-on 120 || echo "@@ error no tmpfs-on"
if [ -e $S/tmpfs-none ]; then
    echo "@@ o2-mount skipped: the host could not mount"
else
    # into a file: the relay p9sock leaves behind would hold a $(...) pipe open for good
    mnt o2 over /o2 >/tmp/o2.out 2>&1
    echo "@@ o2-mount rc=$? $(tr '\n' ' ' </tmp/o2.out)"
    echo "@@ o2-mounted $(grep -c ' /o2 ' /proc/mounts)"
fi
echo "@@ o1-user-during $($H as 1000 cat /o1/f1 2>&1)"
echo two >/o1/f2 && echo "@@ o1-during $(cat /o1/f1 /o1/f2 | tr '\n' ' ')"
: >$S/o2-done
$H await $S/tmpfs-off 120 || echo "@@ error no tmpfs-off"
echo "@@ o1-user-after $($H as 1000 cat /o1/f1 2>&1)"
mnt o3 over /o3 >/tmp/o3.out 2>&1
echo "@@ o3-mount rc=$? $(tr '\n' ' ' </tmp/o3.out)"
echo "@@ o3-sees $(cat /o3/f1 /o3/f2 2>&1 | tr '\n' ' ')"
echo three >/o3/f3
umount /o3 /o1
echo "@@ done"

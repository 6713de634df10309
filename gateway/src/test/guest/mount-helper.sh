# mount-helper.sh - the shipped guest helper p9gate-mount ($P9GATE_MOUNT, added with --add-bin) mounts the share
# a second time, through the second virtio-serial port "p9gate" that GuestMountHelperIT wires to the gateway's
# socket (the harness's own port "p9" is held by its relay: a port opens once). cwd = /mnt, the harness's mount.
n=0
check() {
    n=$((n + 1))
    if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; [ -s /tmp/err ] && sed 's/^/# /' /tmp/err; fi
}
H=$P9GATE_MOUNT
mkdir -p /mnt2
check "help" '$H --help | grep -q "^usage: p9gate-mount"'
check "a port held by another process is one clear line" \
    '! $H --port p9 /mnt2 2>/tmp/err && grep -q "^p9gate-mount: port p9: cannot open /dev/vport.*: Device or resource busy (a virtio-serial port opens once" /tmp/err && [ "$(wc -l </tmp/err)" = 1 ]'
check "no vsock in this guest is one clear line" \
    '! $H --vsock 2:564 /mnt2 2>/tmp/err && grep -q "^p9gate-mount: vsock 2:564: " /tmp/err && [ "$(wc -l </tmp/err)" = 1 ]'
check "mount through the second port" '$H --port p9gate -o aname=test,msize=524288 /mnt2 2>/tmp/err'
check "it is a trans=fd 9P mount" 'grep -q "^p9gate /mnt2 9p .*trans=fd" /proc/mounts'
check "the helper returned, its relay runs detached" '[ -n "$(pidof p9gate-mount)" ]'
echo via-helper >/mnt2/helper.txt
check "written through the helper, read through the harness" '[ "$(cat /mnt/helper.txt 2>/tmp/err)" = via-helper ]'
dd if=/dev/urandom of=/tmp/big bs=1M count=2 2>/dev/null
check "2 MiB in 512 KiB frames through the relay" 'dd if=/tmp/big of=/mnt2/big bs=512k 2>/tmp/err && cmp /tmp/big /mnt/big && cmp /tmp/big /mnt2/big'
check "unmount" 'umount /mnt2 2>/tmp/err'
i=0
while [ -n "$(pidof p9gate-mount)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the relay ends with the mount" '[ -z "$(pidof p9gate-mount)" ]'
check "mount again, read-only" '$H --port p9gate -o ro,aname=test /mnt2 2>/tmp/err'
check "ro is a mount flag: writes fail with EROFS" '! touch /mnt2/nope 2>/tmp/err && grep -q "Read-only file system" /tmp/err'
check "read-only mount still reads" '[ "$(cat /mnt2/helper.txt 2>/tmp/err)" = via-helper ]'
umount /mnt2

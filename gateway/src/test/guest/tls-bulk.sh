# tls-bulk.sh - a TLS VM (run-guest.sh --tls-dir) at msize 1 MiB moving enough bytes for several TLS key updates each
# way (GuestTlsKeyUpdateIT lowers the gateway's key limit). Run INSIDE the guest by busybox sh, as root, cwd = the
# mount. Prints "@@ NAME VALUE" marks; the test holds them against the host.

mark() { echo "@@ $1 $2"; }
sum() { md5sum | cut -d' ' -f1; }

mark msize "$(sed -n 's/.*msize=\([0-9]*\).*/\1/p' /proc/mounts | head -1)"
dd if=/dev/urandom of=/tmp/src bs=1M count="$MB" 2>/dev/null
mark src "$(sum </tmp/src)"
dd if=/tmp/src of=bulk bs=1M 2>/dev/null
mark write-status $?
mark read-back "$(dd if=bulk bs=1M 2>/dev/null | sum)"
mark read-host "$(dd if=host bs=1M 2>/dev/null | sum) $(stat -c %s host)"
head -c 1048577 /tmp/src >/tmp/odd
dd if=/tmp/odd of=odd bs=1M oflag=direct 2>/dev/null
mark odd "$(dd if=odd bs=1M iflag=direct 2>/dev/null | sum) $(sum </tmp/odd)"
mark done 1

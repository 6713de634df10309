# gateway-caps.sh - GuestGatewayCapsIT: the guest asks for msize 1 MiB from a gateway that grants less (--msize) or
# advertises a smaller iounit (--iounit): 8 MiB written and read back with dd bs=1M (page cache dropped between),
# the same with O_DIRECT, a directory of 400 long names listed, under the cache mode of the mount. Run INSIDE the
# guest, cwd = the mount; marks.sh goes in front.

mark msize "$(sed -n 's/.*msize=\([0-9]*\).*/\1/p' /proc/mounts | head -1)"
dd if=/dev/urandom of=/tmp/src bs=1M count=8 2>/dev/null
mark src "$(sum </tmp/src)"
mark write "$(outcome dd if=/tmp/src of=big bs=1M)"
mark write-direct "$(outcome dd if=/tmp/src of=direct bs=1M oflag=direct)"
echo 3 >/proc/sys/vm/drop_caches
mark read "$(dd if=big bs=1M 2>/dev/null | sum)"
mark read-direct "$(dd if=direct bs=1M iflag=direct 2>/dev/null | sum)"
mkdir many
i=0
while [ $i -lt 400 ]; do
    : >"many/$(printf '%04d' $i)$(printf '%0200d' 0)"
    i=$((i + 1))
done
mark listed "$(ls many | wc -l) $(ls many | sum)"
mark done

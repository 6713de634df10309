# msize-cache.sh - PolicyFixture's VM alpha at msize 1 MiB under the cache mode of the mount (GuestMsizeCacheIT):
# 64 MiB written and read back with dd bs=1M (page cache dropped between), compared with cmp; then the policy under
# that cache mode: a write into the read-only /base, a listing and a stat of the hidden /secret.  Run INSIDE the
# test guest, cwd = the mount; marks.sh goes in front.

mark msize "$(sed -n 's/.*msize=\([0-9]*\).*/\1/p' /proc/mounts | head -1)"
mark opts "$(grep ' /mnt ' /proc/mounts | cut -d' ' -f4)"
dd if=/dev/urandom of=/tmp/src bs=1M count=64 2>/dev/null
mark src "$(sum </tmp/src)"
mark write "$(outcome dd if=/tmp/src of=big bs=1M conv=fsync)"
echo 3 >/proc/sys/vm/drop_caches
mark read "$(dd if=big bs=1M 2>/dev/null | sum)"
mark cmp "$(outcome cmp /tmp/src big)"
mark size "$(stat -c %s big)"
mark ro-write "$(outcome dd if=/tmp/src of=base/big bs=1M count=2)"
mark ro-list "$(ls base | tr '\n' ,)"
mark hidden-list "$(ls -a | tr '\n' ,)"
mark hidden-stat "$(outcome stat secret)"
rm -f big
mark done

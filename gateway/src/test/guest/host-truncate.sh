# host-truncate.sh - a file the guest wrote and read through its page cache (the test's cache= mode), then truncated
# by the host to 1000 bytes: what the guest sees before and after dropping its caches (GuestHostTruncateIT, against
# p9gate and diod alike). Run INSIDE the guest by busybox sh, as root, cwd = the mount; prints "@@ NAME VALUE" marks.

mark() { echo "@@ $1 $2"; }
sum() { md5sum | cut -d' ' -f1; }
seen() { echo "$(stat -c %s t) $(cat t | wc -c) $(sum <t)"; }

head -c 100000 /dev/zero | tr '\0' 'a' >t
sync
mark written "$(seen)"
exec 3<t
touch trunc-ready
i=0
while [ ! -e trunc-done ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
mark host-done "$([ -e trunc-done ] && echo yes || echo no)"
mark after-truncate "$(seen)"
mark held-fd "$(cat <&3 | wc -c)"
exec 3<&-
# The inode may still be in use for a moment after fd 3 closes (the kernel clunks its fid asynchronously), and
# drop_caches evicts only unused inodes: drop again until the size the guest holds is no longer the cached one (it
# happened once on diod under a loaded CI machine: the size stayed 100000, the pages were read back short).
i=0
while :; do
    echo 3 >/proc/sys/vm/drop_caches
    [ "$(stat -c %s t)" != 100000 ] || [ $i -ge 20 ] && break
    sleep 0.2
    i=$((i + 1))
done
echo "drop_caches passes: $((i + 1))" >&2
mark after-drop "$(seen)"
echo b >>t
mark appended "$(seen)"
mark done 1

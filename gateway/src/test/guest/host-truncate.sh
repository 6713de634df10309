# host-truncate.sh - a file the guest wrote and read through its page cache (the test's cache= mode), then truncated
# by the host to 1000 bytes: what the guest sees before and after dropping its caches (GuestHostTruncateIT, against
# p9gate and diod alike). Run INSIDE the guest by busybox sh, as root, cwd = the mount, marks.sh in front; prints
# "@@ NAME VALUE" marks.

seen() { echo "$(stat -c %s t) $(cat t | wc -c) $(sum <t)"; }

head -c 100000 /dev/zero | tr '\0' 'a' >t
sync
mark written "$(seen)"
exec 3<t
touch trunc-ready
i=0
while [ ! -e trunc-done ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
mark host-done "$([ -e trunc-done ] && echo yes || echo no)"
mark after-truncate "$(seen)"
mark held-fd "$(cat <&3 | wc -c)"
exec 3<&-
# The inode may still be in use for a moment after fd 3 closes (it happened once on diod under a loaded CI machine:
# the size stayed 100000, the pages were read back short): marks.sh's drop again until the size changes.
dropped_until_not %s t 100000
mark after-drop "$(seen)"
echo b >>t
mark appended "$(seen)"
mark done 1

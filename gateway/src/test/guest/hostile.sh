# hostile.sh - a hostile guest program against PolicyFixture's VM alpha (/base read-only, /secret hidden, no *.sh
# writes, /cache 100000 bytes and 4 inodes), through the Linux kernel client with real system calls.  Run INSIDE
# the test guest by busybox sh, as root, cwd = the 9P mount, by GuestHostileIT, which asserts each line.
#
# One line per attempt: "@@ NAME RESULT", RESULT being hostile-helper's word (OK or STEP:ERRNO) or a value.

H=${HOSTILE_HELPER:?HOSTILE_HELPER not set}
try() { name=$1; shift; echo "@@ $name $("$H" "$@" 2>&1 | tr ' \n' '_ ')"; }
show() { echo "@@ $1 $2"; }

echo mine > mine

# ---- hidden /secret: guessing names, reaching it by .., links, moves, a symlink
try hidden-open open-read secret/key
try hidden-dotdot open-read cache/../secret/key
try hidden-creat creat secret/new
try hidden-mknod mknod secret/n r
try hidden-link-out link secret/key stolen-key
try hidden-rename-out rename secret/key stolen-key
echo moved > moved-in
try hidden-rename-in rename moved-in secret/moved-in
try hidden-link-in link moved-in secret/linked-in
ln -s secret/key via-symlink
try hidden-symlink open-read via-symlink
show hidden-ls-a "$(ls -a | sort | tr '\n' ',')"
show hidden-ls-la-mentions "$(ls -la | grep -v -- ' -> ' | grep -c secret)"

# ---- read-only /base: open for writing, truncate by path, links and moves both ways, metadata, xattrs
try ro-open-rdwr open-rdwr base/map.db
try ro-truncate truncate base/map.db 0
try ro-link-out link base/map.db map-link
try ro-link-in link moved-in base/linked-in
try ro-rename-out rename base/map.db stolen-map
try ro-chmod chmod base/map.db 4777
try ro-chown chown base/map.db 1000 1000
try ro-setxattr setxattr base/map.db user.x y
try ro-mknod mknod base/dev c

# ---- host-side xattr namespaces and the gateway's own ownership records, on a file of the VM's
try xattr-capability cap mine
try xattr-trusted setxattr mine trusted.overlay.opaque y
try xattr-acl acl mine
try xattr-p9gate setxattr mine user.p9gate.host-uid 0

# ---- devices (devices: refuse) and the *.sh deny rule reached by other means than a create
try mknod-char mknod dev-null c
try mknod-block mknod dev-loop b
try deny-link link moved-in x.sh
try deny-rename rename moved-in run.sh
try deny-mknod mknod y.sh r

# ---- the /cache quota (100000 bytes) through paths a raw client does not think of
"$H" creat cache/t >/dev/null
try quota-truncate truncate cache/t 200000
try quota-ftruncate ftruncate cache/t 200000
rm -f cache/t
try quota-fallocate fallocate cache/f 200000
show quota-fallocate-size "$(stat -c %s cache/f 2>/dev/null || echo none)"
rm -f cache/f
try quota-odirect odirect cache/d 151552
rm -f cache/d
try quota-pagecache write cache/p 150000
rm -f cache/p
"$H" creat cache/m >/dev/null
try quota-mmap-within mmap cache/m 60000
try quota-mmap-past mmap cache/m 150000
rm -f cache/m
"$H" write big 150000 >/dev/null
try quota-copy-file-range copy big cache/c 150000
rm -f cache/c
try quota-sendfile sendfile big cache/s 150000
rm -f cache/s
show quota-df "$(($(stat -f -c '%b * %S' cache)))"
show cache-left "$(ls cache | tr '\n' ',')"

# ---- a write past the quota that only writeback sends, the program closing without fsync (150000 bytes are
# cached in the guest); the file stays for the host to measure
try quota-writeback-close write-close cache/w 150000
sync
show quota-writeback-size "$(stat -c %s cache/w 2>/dev/null || echo none)"

# ---- files held open for writing (and one mmap'ed) while the host makes hold-ro read-only and hold-hidden hidden.
# Only with HOSTILE_HOLD=1: afterwards the guest kernel (Debian 6.1) hits an FS-Cache BUG at umount and hangs.
if [ -n "$HOSTILE_HOLD" ]; then
    try held-after-reload hold hold-ro/f hold-hidden/f hold-ro/m hold-ready signal
fi
echo "@@ done"

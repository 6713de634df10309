# syscall-edges.sh - system calls of the Linux 9P client against PolicyFixture's VM alpha (/base read-only, /secret
# hidden, /cache 100000 bytes and 4 inodes) that the other guest scripts do not make: renameat2 flags, sizes and
# offsets up to 2^63 - 1, a time past the host filesystem's range, fallocate modes, O_TMPFILE, appends racing an
# unlink, large xattrs, xattrs of a fifo, a link and a move into the quota.  Run INSIDE the test guest by busybox sh,
# as root, cwd = the 9P mount, by GuestSyscallEdgesIT, which asserts each line: "@@ NAME RESULT".

P=${PROBE_HELPER:?PROBE_HELPER not set}
try() { name=$1; shift; echo "@@ $name $("$P" "$@" 2>&1 | tr ' \n' '_ ')"; }
show() { echo "@@ $1 $(echo "$2" | tr ' \n' '_ ')"; }

# ---- renameat2: the 6.1 client has no rename flags but NOREPLACE (the VFS checks it); nothing moves
echo a > ra
echo b > rb
try rename-noreplace renameat2 ra rb 1
try rename-exchange renameat2 ra rb 2
try rename-exchange-ro renameat2 ra base/map.db 2
try rename-whiteout renameat2 ra rc 4
show rename-after "$(cat ra rb 2>&1)"

# ---- sizes and offsets: a sparse 2^40 outside the quota, past ext4's largest file (2^44 - 4096), in the quota
echo s > sparse
try trunc-2p40 truncate sparse 1099511627776
try trunc-2p44p1 truncate sparse 17592186044417
try trunc-2p62 truncate sparse 4611686018427387904
try trunc-max truncate sparse 9223372036854775807
show trunc-size "$(stat -c %s sparse)"
try pwrite-2p44 pwrite pw 17592186044416
show pwrite-2p44-size "$(stat -c %s pw 2>&1)"
: > cache/q
try quota-trunc-2p40 truncate cache/q 1099511627776
try quota-pwrite-2p40 pwrite cache/q 1099511627776
show quota-q-size "$(stat -c %s cache/q)"
rm -f cache/q

# ---- a time past the host filesystem's range: the guest then sees what the host keeps
echo t > times
try utime-2p40 utime times 1099511627776

# ---- fallocate (no Tfallocate in 9P2000.L: the client answers) and O_TMPFILE (no such request either)
try falloc-keep fallocate cache/fk 1 0 200000
try falloc-punch fallocate sparse 3 0 4096
try falloc-zero fallocate cache/fz 16 0 200000
try falloc-ro fallocate base/map.db 3 0 1
rm -f cache/fk cache/fz
try tmpfile-root tmpfile .
try tmpfile-cache tmpfile cache

# ---- appends through a descriptor whose name another process removed: outside the quota all land; inside, the
# unlinked file's bytes still count until its last handle closes
try append-race appendrace race 2000
try append-race-cache appendrace cache/race 2000
show cache-after-race "$(ls cache | tr '\n' ',')"

# ---- xattr values: 64 KiB past what ext4 keeps on an inode; in the quota, values count
echo x > xa
try xattr-4000 bigxattr xa 4000
try xattr-65536 bigxattr xa 65536
echo q > cache/xq
try xattr-cache-60000 bigxattr cache/xq 60000
rm -f cache/xq

# ---- a fifo: its xattrs neither block nor get set
mkfifo fifo
show fifo-stat "$(stat -c %F fifo)"
show fifo-getfattr "$(timeout 10 getfattr -d fifo 2>&1; echo rc=$?)"
show fifo-setfattr "$(timeout 10 setfattr -n user.x -v y fifo 2>&1; echo rc=$?)"

# ---- 150000 bytes moved and linked into the 100000-byte quota
head -c 150000 /dev/zero > big2
show mv-into-quota "$(mv big2 cache/big2 2>&1; echo rc=$?)"
head -c 150000 /dev/zero > big3
show ln-into-quota "$(ln big3 cache/big3 2>&1; echo rc=$?)"
show cache-left "$(ls cache | tr '\n' ',')"
echo "@@ done"

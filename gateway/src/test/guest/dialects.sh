# dialects.sh - what the Linux kernel 9P client can do through p9gate when it
# mounts with version=9p2000.u or version=9p2000 (legacy dialects, issue 14)
# under PolicyFixture's policy for VM alpha: /base read-only, /secret hidden,
# /cache limited to 100000 bytes.  Run INSIDE the test guest by busybox sh, as
# root, with cwd = the 9P mount, by GuestDialectsIT; DIALECT says which.
#
# Output is TAP-like ("ok N - name", "ok N - name # SKIP why", "not ok N - ...", then "1..N").
# Known skips say why: the dialect cannot express the operation at all.

# check, skip, expect, fails_with, finish: tap.sh; quota_is_edquot: quota.sh; the test puts both in front.

# The kernel shows 9P2000.u as version=9p2000.u and plain 9P2000 as noextend (no version= option).
mounted_with_dialect() {
    case "$DIALECT" in
    9p2000.u) shown="version=9p2000.u" ;;
    9p2000) shown="noextend" ;;
    esac
    grep " 9p " /proc/mounts | grep -q "$shown" || { cat /proc/mounts; return 1; }
}
root_listing() {
    expect "$(ls | tr '\n' ' ')" "base cache notes.txt " "root listing (secret hidden)"
}
cat_file() {
    expect "$(cat notes.txt)" "hello" "notes.txt"
}
create_write_read() {
    echo "from $DIALECT" > new.txt
    expect "$(cat new.txt)" "from $DIALECT" "read back"
    echo "again" >> new.txt
    expect "$(cat new.txt | tail -1)" "again" "append"
    expect "$(stat -c %s new.txt)" "$(( ${#DIALECT} + 6 + 6 ))" "size"
}
mkdir_rm_rmdir() {
    mkdir dir
    echo x > dir/f
    expect "$(ls dir)" "f" "listing of the new directory"
    rm dir/f
    expect "$(ls dir)" "" "empty after rm"
    rmdir dir
    [ ! -e dir ] || { echo "dir still there"; return 1; }
    rm new.txt
}
symlink_readlink() {
    ln -s notes.txt link
    expect "$(readlink link)" "notes.txt" "readlink"
    expect "$(cat link)" "hello" "read through the link"
    rm link
}
readonly_refuses() {
    expect "$(cat base/map.db)" "tiles" "read is allowed"
    fails_with "Read-only file system\|Permission denied" "create in base" sh -c 'echo x > base/new'
    cp "$CMD_OUT" /tmp/dialects-readonly.out
    fails_with "Read-only file system\|Permission denied" "overwrite" sh -c 'echo x > base/map.db'
    fails_with "Read-only file system\|Permission denied" "mkdir in base" mkdir base/d
    fails_with "Read-only file system\|Permission denied" "rm in base" rm -f base/map.db
    expect "$(cat base/map.db)" "tiles" "unchanged"
}
wstat_changes() {
    printf '0123456789' > w.txt
    chmod 0640 w.txt
    expect "$(stat -c %a w.txt)" 640 "chmod"
    truncate -s 4 w.txt
    expect "$(cat w.txt)" 0123 "truncate"
    TZ=UTC0 touch -d '2001-02-03 04:05:06' w.txt
    expect "$(stat -c %Y w.txt)" 981173106 "touch -d mtime"
    mv w.txt w2.txt
    [ ! -e w.txt ] || { echo "w.txt still there after mv"; return 1; }
    expect "$(cat w2.txt)" 0123 "renamed file"
    rm w2.txt
}
chown_by_number() {
    : > o.txt
    chown 1234:2345 o.txt
    expect "$(stat -c '%u:%g' o.txt)" "1234:2345" "chown"
    rm o.txt
}
readonly_refuses_wstat() {
    fails_with "Read-only file system\|Permission denied" "chmod in base" chmod 0600 base/map.db
    fails_with "Read-only file system\|Permission denied" "rename in base" mv base/map.db base/moved.db
    expect "$(stat -c %a base/map.db)" "$BASE_MODE" "mode unchanged"
}
# The mode bits the kernel client puts in a Tcreate's perm and a Twstat's mode in normal use (fs/9p/vfs_inode.c
# unixmode2p9mode: DMDIR, in .u also the special file types and DMSETUID, DMSETGID, DMSETVTX) must pass the
# mode-bits refusal. In 9P2000 the client itself drops set-id and sticky bits, so the guest reads back 0755.
mode_bits_in_normal_use() {
    if [ "$DIALECT" = 9p2000.u ]; then setuid=4755; sticky=1777; setgid=2775; else setuid=755; sticky=777; setgid=775; fi
    : > m.txt
    chmod 4755 m.txt
    expect "$(stat -c %a m.txt)" "$setuid" "chmod u+s of a file (Twstat DMSETUID)"
    mkdir -m 1777 sticky
    expect "$(stat -c %a sticky)" "$sticky" "mkdir -m 1777 (Tcreate DMDIR|DMSETVTX)"
    chmod 0755 sticky && chmod 1777 sticky
    expect "$(stat -c %a sticky)" "$sticky" "chmod +t of a directory (Twstat DMDIR|DMSETVTX)"
    mkdir -m 2775 shared
    expect "$(stat -c %a shared)" "$setgid" "mkdir -m 2775 (Tcreate DMDIR|DMSETGID)"
    (set -C; echo once > excl.txt) || { echo "O_EXCL create failed"; return 1; }
    expect "$(cat excl.txt)" once "O_EXCL create (noclobber)"
    if [ "$DIALECT" = 9p2000.u ]; then
        mkfifo -m 0600 fifo
        [ -p fifo ] || { ls -l fifo; echo "fifo is no fifo"; return 1; }
        chmod 0640 fifo
        expect "$(stat -c %a fifo)" 640 "chmod of a fifo (Twstat DMNAMEDPIPE)"
        ln m.txt hard
        expect "$(stat -c %h m.txt)" 2 "hard link (Tcreate DMLINK)"
        rm fifo hard
    fi
    rm m.txt excl.txt
    rmdir sticky shared
}
hidden_is_enoent() {
    fails_with "No such file" "stat secret" stat secret
    fails_with "No such file" "cat secret/key" cat secret/key
}

case "$DIALECT" in
9p2000.u|9p2000) ;;
*) echo "not ok 1 - DIALECT must be 9p2000.u or 9p2000, got '$DIALECT'"; echo "1..1"; exit 1 ;;
esac
check "mounted with version=$DIALECT" mounted_with_dialect
check "ls of the root (directory read as packed stats)" root_listing
check "cat of a file (Topen, Tread)" cat_file
check "create, write, append, read back (Tcreate, Topen)" create_write_read
check "mkdir, rm, rmdir (Tcreate DMDIR, Tremove)" mkdir_rm_rmdir
if [ "$DIALECT" = 9p2000.u ]; then
    check "symlink and readlink (Tcreate DMSYMLINK, stat extension)" symlink_readlink
else
    skip "symlink and readlink" "9P2000 has no symlinks (no DMSYMLINK, no stat extension)"
fi
check "read-only subtree refuses writes (R-POL-3)" readonly_refuses
echo "# the client's error for a create in the read-only subtree: $(head -1 /tmp/dialects-readonly.out 2>/dev/null)"
check "hidden path is ENOENT (R-POL-4)" hidden_is_enoent
check "quota is EDQUOT and rm frees (R-POL-6)" quota_is_edquot
check "chmod, truncate, utime, rename in a directory (Twstat)" wstat_changes
if [ "$DIALECT" = 9p2000.u ]; then
    check "chown by number (Twstat n_uid/n_gid)" chown_by_number
else
    skip "chown" "9P2000 names owners, and the Linux client sends no name for a chown in this dialect"
fi
check "mode bits the client sends in normal use (set-id, sticky, fifo, O_EXCL, link)" mode_bits_in_normal_use
BASE_MODE=$(stat -c %a base/map.db)
check "read-only subtree refuses chmod and rename (Twstat, R-POL-3)" readonly_refuses_wstat
finish "dialects ($DIALECT)"

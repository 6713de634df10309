# posix.sh - POSIX behaviour of a 9P2000.L or 9P2000.u mount, seen through the Linux
# kernel client (R-PROTO-6).  Run INSIDE the test guest by busybox sh, as
# root, with cwd = the 9P mount (run-guest.sh --script posix.sh).
#
# Output is TAP-like: "ok N - name" / "not ok N - name: details", a plan
# line "1..N" and a final "# posix: ..." count line.  Exit status 0 only if
# every check passed (skips count as passed but are reported).
#
# Tools: busybox, plus (run-guest.sh --add-bin) /usr/bin/flock,
# /usr/bin/setfattr, /usr/bin/getfattr, and the static helper built from
# posix-helper.c, passed as --env POSIX_HELPER=/path/to/posix-helper.
# Readdir check: READDIR_N entries (default 10000).  Creating them from the
# guest costs ~6 ms each under TCG, so the host normally pre-creates them:
# READDIR_DIR=NAME names a directory at the mount root holding exactly the
# files e0 .. e(READDIR_N-1) (see GuestHarness.createReaddirFixture).
# Without READDIR_DIR the guest creates them itself (slow; use a small N).
#
# Each check runs in its own subshell with `set -e`, so the first failing
# command ends that check only; its last output lines become the details.
#
# DIALECT (default 9p2000.L) is the mount's protocol version (run-guest.sh
# --dialect).  A check the dialect cannot express (unexpressible below) still
# runs and must fail: it is reported "ok N - name # SKIP reason" with what it
# said on the next line; if it passes it is "not ok" (the skip is stale).

READDIR_N=${READDIR_N:-10000}
DIALECT=${DIALECT:-9p2000.L}
N=0 FAILED=0 SKIPPED=0
OUT=/tmp/posix-check.out
uptime_s() { cut -d' ' -f1 /proc/uptime; }
T0=$(uptime_s)

# unexpressible FUNCTION: why DIALECT cannot express the check FUNCTION, or
# nothing.  Only what the protocol or the Linux client's use of it rules out
# (fs/9p in Linux 6.1), never a server shortcoming.
unexpressible() {
    case "$DIALECT:$1" in
    9p2000.u:t_xattr)
        echo "9P2000.u has no xattr messages (Txattrwalk and Txattrcreate are 9P2000.L only)" ;;
    9p2000.u:t_fcntl_locks)
        echo "9P2000.u has no Tlock and the client's legacy lock op (v9fs_file_lock) records no lock, not even locally, so a conflicting F_SETLK succeeds" ;;
    9p2000.u:t_rename_dir_across)
        echo "9P2000.u renames by Twstat of the name only, so the client answers EXDEV across directories and mv's copy fallback cannot replace a directory" ;;
    9p2000.u:t_sparse_blocks)
        echo "9P2000.u stat has no block count, so the client shows the size in 512-byte blocks" ;;
    esac
}

# check NAME FUNCTION: run FUNCTION in a set -e subshell and report it.
check() {
    name=$1; shift
    N=$((N + 1))
    why=$(unexpressible "$1")
    c0=$(uptime_s)
    ( set -e; "$@" ) >"$OUT" 2>&1
    rc=$?
    took=$(awk -v a="$c0" -v b="$(uptime_s)" 'BEGIN{printf "%.2f", b-a}')
    if [ -n "$why" ] && [ $rc -eq 0 ]; then
        FAILED=$((FAILED + 1))
        echo "not ok $N - $name: passes under $DIALECT, which is said to be unable to express it ($why)"
    elif [ -n "$why" ]; then
        SKIPPED=$((SKIPPED + 1))
        echo "ok $N - $name # SKIP $why"
        echo "#   under $DIALECT it failed as expected: $(tail -1 "$OUT")"
    elif [ $rc -eq 0 ]; then
        echo "ok $N - $name"
    elif [ $rc -eq 77 ]; then
        SKIPPED=$((SKIPPED + 1))
        echo "ok $N - $name # SKIP $(tail -1 "$OUT")"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - $name: $(tail -3 "$OUT" | tr '\n' ' ')"
    fi
    echo "#   ${took}s"
}
# expect ACTUAL EXPECTED WHAT: fail the current check unless equal.
expect() {
    [ "$1" = "$2" ] || { echo "$3: expected '$2', got '$1'"; return 1; }
}
# refuse WHAT COMMAND...: the command must fail.
refuse() {
    what=$1; shift
    if "$@" 2>/dev/null; then echo "$what: succeeded but must fail"; return 1; fi
}
skip() { echo "$1"; exit 77; }

D=$PWD/posix.$$
mkdir "$D" && cd "$D" || { echo "not ok 1 - setup: cannot mkdir $D"; exit 1; }

# ---------------------------------------------------------------- files
t_create_read() {
    echo "hello 9p" >f
    expect "$(cat f)" "hello 9p" "read back"
    expect "$(stat -c %s f)" 9 "size"
    expect "$(stat -c %F f)" "regular file" "type"
}
t_overwrite() {
    printf 'abcdefgh' >w
    printf 'XY' | dd of=w bs=1 seek=3 conv=notrunc 2>/dev/null
    expect "$(cat w)" "abcXYfgh" "in-place write at offset 3"
    printf 'new' >w
    expect "$(cat w)" "new" "O_TRUNC rewrite"
}
t_append() {
    echo one >a; echo two >>a; echo three >>a
    expect "$(cat a | tr '\n' ' ')" "one two three " "appended content"
    expect "$(stat -c %s a)" 14 "size after append"
}
t_excl() {
    : >excl
    refuse "O_EXCL create over an existing file" sh -c 'set -C; : >excl'
}
t_large_write() {
    # 1 MiB writes: under cache=none each goes out as Twrites of the whole iounit (msize less the header).
    dd if=/dev/urandom of=rnd bs=1M count=2 2>/dev/null
    sum1=$(md5sum <rnd); dd if=rnd of=rnd2 bs=1M 2>/dev/null; sum2=$(md5sum <rnd2)
    expect "$sum2" "$sum1" "2 MiB copy checksum"
    expect "$(stat -c %s rnd2)" 2097152 "size"
}

# ---------------------------------------------------------------- directories
t_mkdir_rmdir() {
    mkdir -p d1/d2/d3
    expect "$(stat -c %F d1/d2/d3)" "directory" "mkdir -p"
    refuse "rmdir of a non-empty dir" rmdir d1/d2
    rmdir d1/d2/d3 d1/d2 d1
    refuse "stat after rmdir" stat d1
    mkdir d4; refuse "mkdir over an existing dir" mkdir d4; rmdir d4
}

# ---------------------------------------------------------------- renames
t_rename_same_dir() {
    echo r1 >r1; mv r1 r2
    refuse "old name gone" stat r1
    expect "$(cat r2)" r1 "content under new name"
}
t_rename_across_dirs() {
    mkdir -p ra rb; echo x >ra/x
    mv ra/x rb/y
    refuse "old name gone" stat ra/x
    expect "$(cat rb/y)" x "moved content"
}
t_rename_over_file() {
    echo src >src; echo dst >dst
    mv -f src dst
    refuse "source gone" stat src
    expect "$(cat dst)" src "replaced content"
}
t_rename_dir() {
    mkdir -p rd1/sub; echo deep >rd1/sub/file
    mv rd1 rd1b
    expect "$(cat rd1b/sub/file)" deep "renamed dir keeps its content"
    # rename(2) of a dir onto an empty dir replaces it (-T: no "move into").
    mkdir empty_target
    mv -T rd1b empty_target
    expect "$(cat empty_target/sub/file)" deep "dir renamed over an empty dir"
    mkdir full_target; : >full_target/x; mkdir lone
    refuse "rename a dir over a non-empty dir" mv -T lone full_target
    : >plain
    refuse "rename a dir over a file" mv -T lone plain
}
t_rename_dir_across() {
    mkdir -p rx1/sub rx2; echo deep >rx1/sub/file
    mv rx1 rx2/moved
    expect "$(cat rx2/moved/sub/file)" deep "dir moved across dirs"
    mkdir empty_across
    mv -T rx2/moved empty_across
    expect "$(cat empty_across/sub/file)" deep "dir renamed over an empty dir of another directory"
}
t_rename_open_file() {
    echo keep >ro; exec 4<ro
    mv ro ro2
    expect "$(cat <&4)" keep "read through a fd opened before the rename"
    exec 4<&-
}

# ---------------------------------------------------------------- links
t_symlink() {
    echo target >st
    ln -s st sl
    expect "$(readlink sl)" st "readlink"
    expect "$(cat sl)" target "read through the symlink"
    expect "$(stat -c %F sl)" "symbolic link" "lstat type"
    ln -s does/not/exist dangling
    expect "$(readlink dangling)" does/not/exist "dangling readlink"
    refuse "dangling target exists" test -e dangling
    ln -s /etc/absolute abs
    expect "$(readlink abs)" /etc/absolute "absolute target kept verbatim"
}
t_hardlink() {
    echo h >h1
    ln h1 h2
    expect "$(stat -c %h h1)" 2 "link count after link"
    expect "$(stat -c %i h1)" "$(stat -c %i h2)" "same inode"
    echo more >>h2
    expect "$(cat h1 | tr '\n' ' ')" "h more " "write through the other name"
    rm h1
    expect "$(stat -c %h h2)" 1 "link count after unlink"
}

# ---------------------------------------------------------------- attributes
t_chmod() {
    : >m; chmod 0640 m
    expect "$(stat -c %a m)" 640 "chmod 0640"
    chmod 0755 m
    expect "$(stat -c %a m)" 755 "chmod 0755"
    mkdir md; chmod 1777 md
    expect "$(stat -c %a md)" 1777 "sticky dir"
}
t_chown() {
    : >o; chown 1234:2345 o
    expect "$(stat -c '%u:%g' o)" "1234:2345" "chown"
    chgrp 3456 o
    expect "$(stat -c '%u:%g' o)" "1234:3456" "chgrp"
}
t_truncate() {
    printf '0123456789' >tr
    truncate -s 4 tr
    expect "$(cat tr)" 0123 "truncate down"
    truncate -s 100000 tr
    expect "$(stat -c %s tr)" 100000 "truncate up size"
    expect "$(tail -c +5 tr | tr -d '\0' | wc -c)" 0 "zero fill after truncate up"
}
t_utimens() {
    : >ut
    TZ=UTC0 touch -d '2001-02-03 04:05:06' ut
    expect "$(stat -c %Y ut)" 981173106 "touch -d mtime"
    TZ=UTC0 touch -t 200203040506.07 ut
    expect "$(stat -c %Y ut)" 1015218367 "touch -t mtime"
    TZ=UTC0 touch -a -d '2003-01-01 00:00:00' ut
    expect "$(stat -c %X ut)" 1041379200 "touch -a atime"
    expect "$(stat -c %Y ut)" 1015218367 "mtime kept by touch -a"
}
t_xattr() {
    command -v setfattr >/dev/null || skip "setfattr/getfattr not added (--add-bin)"
    : >x
    setfattr -n user.color -v blue x
    setfattr -n user.shape -v round x
    expect "$(getfattr --only-values -n user.color x)" blue "get"
    getfattr -d x >/tmp/xattr.list
    grep -q '^user.color="blue"' /tmp/xattr.list || { echo "list misses user.color"; cat /tmp/xattr.list; return 1; }
    grep -q '^user.shape="round"' /tmp/xattr.list || { echo "list misses user.shape"; return 1; }
    setfattr -n user.color -v green x
    expect "$(getfattr --only-values -n user.color x)" green "replace"
    setfattr -x user.color x
    refuse "get after remove" getfattr -n user.color x
    expect "$(getfattr --only-values -n user.shape x)" round "other attr kept"
}

# ---------------------------------------------------------------- locks
t_flock() {
    command -v flock >/dev/null || skip "flock not added (--add-bin /usr/bin/flock)"
    : >lk; rm -f /tmp/held /tmp/release
    flock -x lk sh -c 'touch /tmp/held; while [ ! -e /tmp/release ]; do sleep 0.05; done' &
    holder=$!
    i=0; while [ ! -e /tmp/held ] && [ $i -lt 500 ]; do sleep 0.05; i=$((i + 1)); done
    [ -e /tmp/held ] || { echo "holder never got the lock"; return 1; }
    refuse "second exclusive flock while held" flock -n -x lk true
    touch /tmp/release; wait $holder
    flock -n -x lk true || { echo "flock after release failed"; return 1; }
    flock -s lk flock -n -s lk true || { echo "two shared flocks conflict"; return 1; }
}
t_fcntl_locks() {
    [ -x "${POSIX_HELPER:-}" ] || skip "posix-helper not added (--env POSIX_HELPER=...)"
    "$POSIX_HELPER" fcntl-locks fl
}

# ---------------------------------------------------------------- large / many
t_sparse_4g() {
    printf 'tail' | dd of=sp bs=1M seek=5120 conv=notrunc 2>/dev/null
    expect "$(stat -c %s sp)" $((5120 * 1048576 + 4)) "size beyond 4 GiB"
    expect "$(dd if=sp bs=1M skip=5120 2>/dev/null)" tail "read back beyond 4 GiB"
    expect "$(dd if=sp bs=4096 skip=1048577 count=1 2>/dev/null | tr -d '\0' | wc -c)" 0 "hole reads as zeros"
}
t_sparse_blocks() {
    printf 'tail' | dd of=spb bs=1M seek=5120 conv=notrunc 2>/dev/null
    # Under cache=loose the kernel estimates st_blocks from the size it
    # wrote; dropping the caches makes it ask the server again.
    sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
    alloc=$(( $(stat -c %b spb) * $(stat -c %B spb) ))
    [ $alloc -lt 1048576 ] || { echo "sparse file allocates $alloc bytes"; return 1; }
}
t_readdir_many() {
    if [ -n "${READDIR_DIR:-}" ]; then
        dir=../$READDIR_DIR                  # filled by the host: e0 .. e(N-1)
        [ -d "$dir" ] || { echo "READDIR_DIR $READDIR_DIR missing on the mount"; return 1; }
    else
        dir=many; mkdir many
        i=0; while [ $i -lt "$READDIR_N" ]; do : >many/e$i; i=$((i + 1)); done
    fi
    # The glob reads the directory only (getdents, no stat): many Treaddir
    # batches with offsets.  ls also stats every entry.
    set -- "$dir"/e*
    expect "$#" "$READDIR_N" "glob entry count"
    expect "$(for f in "$@"; do echo "${f##*/}"; done | sort -u | grep -c '^e[0-9]*$')" "$READDIR_N" "distinct names"
    expect "$(ls "$dir" | wc -l)" "$READDIR_N" "ls | wc -l"
    # telldir/seekdir: the client keeps the server's Treaddir cookies (opaque, 63-bit) and sends them back.
    # 9P2000(.u) directory reads are byte offsets that may only continue the previous read (read(5)).
    if [ -x "${POSIX_HELPER:-}" ] && [ "$DIALECT" = 9p2000.L ]; then
        expect "$("$POSIX_HELPER" seekdir "$dir")" $((READDIR_N + 2)) "telldir/seekdir entries"
    fi
}

# ---------------------------------------------------------------- open files
t_open_unlink_read() {
    echo "survives unlink" >ou
    exec 3<ou
    rm ou
    refuse "name gone after rm" stat ou
    expect "$(cat <&3)" "survives unlink" "read through the open fd"
    exec 3<&-
}
t_unlinked_fstat() {
    [ -x "${POSIX_HELPER:-}" ] || skip "posix-helper not added (--env POSIX_HELPER=...)"
    "$POSIX_HELPER" unlinked-fstat uf
}

# ---------------------------------------------------------------- special files
t_mkfifo() {
    mkfifo fifo
    expect "$(stat -c %F fifo)" "fifo" "type"
}
t_mknod() {
    mknod cdev c 1 3
    expect "$(stat -c %F cdev)" "character special file" "char device type"
    expect "$(stat -c '%t:%T' cdev)" "1:3" "char device major:minor"
    mknod bdev b 7 0
    expect "$(stat -c %F bdev)" "block special file" "block device type"
    mknod pipe p
    expect "$(stat -c %F pipe)" "fifo" "mknod p type"
}
t_statfs() {
    stat -f . >/tmp/statfs.out
    grep -q 'Blocks:' /tmp/statfs.out || { cat /tmp/statfs.out; return 1; }
}

case "$DIALECT" in
9p2000.L|9p2000.u) ;;
*) echo "not ok 1 - DIALECT must be 9p2000.L or 9p2000.u, got '$DIALECT'"; echo "1..1"; exit 1 ;;
esac
echo "# posix.sh ($DIALECT) on: $(grep ' 9p ' /proc/mounts | head -1)"
check "create, write, read"            t_create_read
check "overwrite at offset, O_TRUNC"   t_overwrite
check "append"                         t_append
check "O_EXCL create refused"          t_excl
check "2 MiB write and copy"           t_large_write
check "mkdir, rmdir"                   t_mkdir_rmdir
check "rename file in same dir"        t_rename_same_dir
check "rename file across dirs"        t_rename_across_dirs
check "rename over an existing file"   t_rename_over_file
check "rename dirs"                    t_rename_dir
check "rename a dir across dirs, over an empty dir" t_rename_dir_across
check "rename keeps open fd valid"     t_rename_open_file
check "symlink, readlink"              t_symlink
check "hard links, link count"         t_hardlink
check "chmod"                          t_chmod
check "chown to another uid"           t_chown
check "truncate down and up"           t_truncate
check "utimensat (touch -d/-t/-a)"     t_utimens
check "xattr user.* set/get/list/remove" t_xattr
check "flock"                          t_flock
check "fcntl byte-range locks"         t_fcntl_locks
check "sparse file beyond 4 GiB"       t_sparse_4g
check "sparse file allocates no blocks for its hole" t_sparse_blocks
check "open, unlink, read"             t_open_unlink_read
check "open, unlink, fstat/pwrite"     t_unlinked_fstat
check "mkfifo"                         t_mkfifo
check "mknod c/b/p"                    t_mknod
check "statfs"                         t_statfs
Tr=$(uptime_s)
check "readdir of $READDIR_N entries"  t_readdir_many
Tr2=$(uptime_s)

cd .. && rm -rf "$D"
T1=$(uptime_s)
echo "1..$N"
awk -v n=$N -v f=$FAILED -v s=$SKIPPED -v t0="$T0" -v t1="$T1" -v r0="$Tr" -v r1="$Tr2" \
    'BEGIN{printf "# posix: %d checks, %d passed, %d failed, %d skipped in %.1fs (readdir %.1fs, cleanup incl.)\n", n, n-f-s, f, s, t1-t0, r1-r0}'
[ $FAILED -eq 0 ]

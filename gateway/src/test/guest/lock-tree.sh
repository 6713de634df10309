# lock-tree.sh - GuestLockTreeIT: locks held by processes that die, a git-like tree of small files, sparse and truncated files,
# through the Linux 9P client on alpha's share. Run INSIDE the test guest by busybox sh, as root, cwd = the mount,
# with marks.sh in front. LOCK_HELPER = setid-lock-helper; flock(1) added.
#
# Output: "@@ NAME VALUE" marks, "T PATH SIZE LINKS MD5" lines of the tree repo/ (for the host to compare), "@@ done".

L=$LOCK_HELPER
S=/tmp/sig
mkdir -p $S

# ---------------------------------------------------------------- fcntl: F_SETLKW waits for a holder that is killed
echo lock >lk
"$L" hold lk $S/held $S/never >$S/hold.out 2>&1 &
holder=$!
"$L" await $S/held 30; mark lk-held $?
"$L" setlkw lk >$S/wait.out 2>&1 &
waiter=$!
sleep 2
mark lk-waiting "$(grep -c wait-lock $S/wait.out)"
kill -9 $holder; wait $holder 2>/dev/null
# The client unlocks its own lock table before it tells the server, so the woken waiter's Tlock can still find the
# lock held (P9_LOCK_BLOCKED): it then asks again only after its lock timeout, 30 s by default (fs/9p/vfs_file.c).
i=0; while [ $i -lt 450 ] && ! grep -q wait-close $S/wait.out; do sleep 0.1; i=$((i + 1)); done
mark lk-after-kill "$(grep '^@@ wait-lock' $S/wait.out | cut -d' ' -f3)"
wait $waiter
# the waiter's process ended: a third process gets the lock at once
"$L" hold lk $S/held2 $S/go2 >$S/hold2.out 2>&1 &
h2=$!
"$L" await $S/held2 30
mark lk-third "$(grep '^@@ hold-lock' $S/hold2.out | cut -d' ' -f3)"
: >$S/go2; wait $h2
mark lk-third-unlock "$(grep '^@@ hold-unlock' $S/hold2.out | cut -d' ' -f3)"

# ---------------------------------------------------------------- flock: -n contention, holders killed
# A flock belongs to the open file: flock(1) and the command it runs share it, and it ends with the last of them.
children() { for p in /proc/[0-9]*; do [ "$(cut -d' ' -f4 $p/stat 2>/dev/null)" = "$1" ] && echo ${p#/proc/}; done; }
echo f >fl
flock -x fl sh -c "touch $S/fl-held; exec sleep 600" &
fholder=$!
"$L" await $S/fl-held 30
flock -n -x fl true; mark fl-contended $?
flock -n -s fl true; mark fl-shared-contended $?
kid=$(children $fholder)
kill -9 $fholder; wait $fholder 2>/dev/null
flock -n -x fl true; mark fl-child-holds $?
kill -9 $kid
i=0; while [ $i -lt 50 ] && ! flock -n -x fl true; do sleep 0.1; i=$((i + 1)); done
flock -n -x fl true; mark fl-all-gone $?

# ---------------------------------------------------------------- git-like tree
mkdir -p repo/objects repo/refs/heads
i=0
while [ $i -lt 120 ]; do
    d=repo/objects/$((i % 12))
    mkdir -p $d
    printf 'blob %d\n%s\n' $i "$(seq $i)" >$d/tmp_obj_$i
    dd if=$d/tmp_obj_$i of=/dev/null conv=fsync 2>/dev/null
    mv -f $d/tmp_obj_$i $d/obj_$i
    i=$((i + 1))
done
mark tree-objects "$(find repo/objects -type f | wc -l)"
# rename over an existing file: the old content goes
echo old >repo/refs/heads/main
echo new >repo/refs/heads/main.lock
mv -f repo/refs/heads/main.lock repo/refs/heads/main
mark ref "$(cat repo/refs/heads/main)"
# hard links
ln repo/objects/0/obj_0 repo/pack-a
ln repo/objects/0/obj_0 repo/pack-b
mark links "$(stat -c %h repo/objects/0/obj_0)"
rm repo/pack-a
mark links-after-rm "$(stat -c %h repo/pack-b)"
# a directory renamed over an empty one, and refused over a full one
mkdir repo/old-empty repo/new
echo x >repo/new/f
mv -T repo/new repo/old-empty; mark mv-dir-over-empty $?
mkdir repo/full && echo y >repo/full/g && mkdir repo/other && echo z >repo/other/h
mark mv-dir-over-full "$(outcome mv -T repo/other repo/full)"
# many files replaced by rename in one directory, as an index rewrite
j=0
while [ $j -lt 40 ]; do echo "index $j" >repo/index.tmp && mv repo/index.tmp repo/index; j=$((j + 1)); done
mark index "$(cat repo/index)"
find repo | sort | while read -r p; do
    if [ -f "$p" ]; then echo "T $p $(stat -c '%s %h' "$p") $(md5sum <"$p" | cut -d' ' -f1)"; else echo "T $p dir"; fi
done
mark tree-sum "$(find repo -type f | sort | xargs md5sum | sha256sum | cut -d' ' -f1)"

# ---------------------------------------------------------------- sparse and truncate
G5=5368709120
dd if=/dev/zero of=sparse bs=1 count=1 seek=$G5 2>/dev/null; mark sparse-dd $?
mark sparse-size "$(stat -c %s sparse)"
mark sparse-blocks-small "$([ "$(stat -c %b sparse)" -lt 1024 ] && echo yes || echo "no $(stat -c %b sparse)")"
mark sparse-hole "$(dd if=sparse bs=4096 skip=1000000 count=2 2>/dev/null | tr -d '\000' | wc -c)"
mark sparse-hole-len "$(dd if=sparse bs=4096 skip=1000000 count=2 2>/dev/null | wc -c)"
mark sparse-tail "$(dd if=sparse bs=1 skip=$((G5 - 2)) 2>/dev/null | wc -c)"
mark sparse-quota "$(outcome dd if=/dev/zero of=cache/sparse bs=1 count=1 seek=$G5)"
mark sparse-quota-size "$(stat -c %s cache/sparse 2>&1)"
dd if=/dev/zero of=cache/small bs=1 count=1 seek=50000 2>/dev/null; mark sparse-in-quota $?
mark trunc-up-in "$(outcome truncate -s 90000 cache/small)"
mark trunc-up-over "$(outcome truncate -s 200000 cache/small)"
mark trunc-size "$(stat -c %s cache/small)"
mark trunc-down "$(outcome truncate -s 10 cache/small)"
mark trunc-up-again "$(outcome truncate -s 99000 cache/small)"
printf abcdef >t
truncate -s 3 t; mark trunc-3 "$(cat t)"
truncate -s 8 t; mark trunc-8 "$(od -An -c t | tr -s ' ' | tr -d '\n')"
mark trunc-ro "$(outcome truncate -s 0 base/map.db)"
rm -f cache/sparse cache/small
mark done 1

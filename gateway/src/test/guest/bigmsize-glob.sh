# bigmsize-glob.sh - PolicyFixture's VM alpha at msize 1 MiB (GuestBigMsizeGlobIT): data read and written in 1 MiB
# blocks, files around the 512 KiB and 1 MiB marks, sparse files, O_DIRECT and a file the host grows while the guest
# follows it; then the deny rule of /**/*.sh reached by touch, mv, ln, ln -s, mkfifo, cp -r and tar x. Run INSIDE the
# guest by busybox sh, as root, cwd = the mount. Prints "@@ NAME VALUE" marks; the test holds them against the host.

# mark, sum, outcome: marks.sh (the test puts it in front).

mark msize "$(sed -n 's/.*msize=\([0-9]*\).*/\1/p' /proc/mounts | head -1)"

# ---- data at 1 MiB: the host made sized/SIZE (bytes i*7 mod 251), sparse (a hole, then 4 KiB at 5 MiB) and many/
# (names of 250 bytes, more than 1 MiB of directory entries)
for f in sized/*; do
    mark "read-$(basename "$f")" "$(dd if="$f" bs=1M 2>/dev/null | sum) $(stat -c %s "$f")"
done
mark read-direct "$(dd if=sized/3145729 bs=1M iflag=direct 2>/dev/null | sum)"
mark read-sparse "$(dd if=sparse bs=1M 2>/dev/null | sum) $(stat -c %s sparse)"
ls -1a many >/tmp/many
mark listing "$(sort /tmp/many | sum) $(wc -l </tmp/many)"
mark read-offset "$(dd if=sized/3145729 bs=1M skip=1 count=1 2>/dev/null | sum)"

mkdir out
dd if=/dev/urandom of=/tmp/src bs=1M count=8 2>/dev/null
mark src "$(sum </tmp/src)"
dd if=/tmp/src of=out/big bs=1M 2>/dev/null
mark write-big "$(sum <out/big)"
dd if=/tmp/src of=out/direct bs=1M oflag=direct 2>/dev/null
mark write-direct "$(dd if=out/direct bs=1M iflag=direct 2>/dev/null | sum)"
for size in 524287 524288 524289 1048575 1048576 1048577; do
    head -c "$size" /tmp/src >/tmp/part
    dd if=/tmp/part of="out/w-$size" bs=1M 2>/dev/null
    mark "write-$size" "$(sum </tmp/part) $(stat -c %s "out/w-$size")"
done
dd if=/tmp/src of=out/holes bs=1M count=1 seek=5 2>/dev/null
mark write-holes "$(sum <out/holes) $(stat -c %s out/holes)"

# ---- a file the host appends to while the guest follows it (tail -f polls its size through getattr)
: >grow
tail -c +1 -f grow >/tmp/followed 2>/dev/null &
follower=$!
touch grow-ready
i=0
while [ ! -e grow-done ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
# tail polls once a second and a loaded machine slows it: wait until it holds as many bytes as the file (at most 120 s,
# so a follower that never catches up still fails), not a fixed 3 s.
i=0
while [ "$(stat -c %s /tmp/followed)" -lt "$(stat -c %s grow)" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
kill $follower
mark grow "$(sum </tmp/followed) $(stat -c %s /tmp/followed) $(sum <grow)"

# ---- the deny rule of /**/*.sh from the guest
mkdir g && cd g || exit 1
echo data >a
mark deny-touch "$(outcome touch a.sh)"
mark deny-redirect "$(outcome sh -c 'echo x > b.sh')"
mark deny-mv "$(outcome mv a a.sh)"
mark deny-ln "$(outcome ln a a.sh)"
mark deny-symlink "$(outcome ln -s x a.sh)"
mark deny-mkfifo "$(outcome mkfifo f.sh)"
mark deny-dot "$(outcome touch .sh)"
mark deny-dotted "$(outcome touch .x.sh)"
mark deny-deep "$(outcome sh -c 'mkdir -p p/q && touch p/q/r.sh')"
mark allowed-mkdir "$(outcome mkdir d.sh)"
mark allowed-upper "$(outcome touch A.SH)"
mark allowed-suffix "$(outcome touch a.sh.txt)"
mark mv-same "$(outcome mv ../pre.sh ../pre.txt)"
mark mv-out "$(outcome mv ../pre.sh pre.txt)"
mark append-existing "$(outcome sh -c 'echo x >> ../kept.sh')"
mark read-existing "$(cat ../kept.sh)"

mkdir -p /tmp/tree/sub
echo t >/tmp/tree/x.txt
echo s >/tmp/tree/s.sh
echo u >/tmp/tree/sub/u.sh
echo v >/tmp/tree/sub/v.txt
cp_status=$(outcome cp -r /tmp/tree copied)
mark cp-r "${cp_status%%:*}"
mark cp-r-files "$(cd copied && find . | sort | tr '\n' ' ')"
(cd /tmp && tar cf /tmp/tree.tar tree)
mkdir untarred
tar_status=$(outcome tar xf /tmp/tree.tar -C untarred)
mark tar-x "${tar_status%%:*}"
mark tar-x-files "$(cd untarred && find . | sort | tr '\n' ' ')"
mark g-files "$(find . -name '*.sh' | sort | tr '\n' ' ')"
cd ..
mark done 1

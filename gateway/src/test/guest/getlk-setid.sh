# getlk-setid.sh - GuestGetlkSetIdIT's guest (VM a); a raw client stands in for VM b on the same folder.
# Prints "@@ NAME VALUE" lines.
# 1. VM b holds a write lock on shared/lk [10,20) and a read lock on [40,50): F_GETLK of a write lock sees them, by
#    type and range, l_pid 0 (the holder is another VM's); a range they do not touch, and the guest's own lock, are
#    no conflict. Once b unlocked (sync/unlocked), F_GETLK sees nothing.
# 2. The guest holds shared/sx (0755) open for writing while the host chmods it u+s; its next write takes the bit.
# 3. A Txattrcreate past the VM's xattr-bytes budget (ENOSPC).
# 4. mv and rm storm on storm/n0..n2, m0..m1 while VM b renames, unlinks and Tremoves the same names: every mv and rm
#    either works or finds no file, nothing hangs; then the guest lists storm/ with each file's content.
H=${SL_HELPER:?SL_HELPER not set}
S=sync
$H getlk all shared/lk 0 0
$H getlk gap shared/lk 25 10
$H getlk rd shared/lk 40 10
$H getlk own shared/lk 100 10 100 10
$H getlk own-and-b shared/lk 0 0 100 10
: >$S/asked
$H await $S/unlocked 120 || echo "@@ error no unlocked"
$H getlk after shared/lk 0 0

echo x >shared/sx; chmod 755 shared/sx
$H writes shared/sx $S/sx-open $S/sx-go
echo "@@ sx-mode $(stat -c %a shared/sx)"

big=$(head -c 3000 /dev/zero | tr '\0' x)
echo "@@ big-xattr $(setfattr -n user.big -v "$big" shared/lk 2>&1 | sed 's/.*: //')"

: >$S/storm-go
i=0
while [ $i -lt 300 ]; do
    echo g$i >storm/n$((i % 3)) 2>>/tmp/err
    mv storm/n$(((i + 1) % 3)) storm/m$((i % 2)) 2>>/tmp/err
    rm storm/m$(((i + 1) % 2)) 2>>/tmp/err
    i=$((i + 1))
done
: >$S/storm-done
echo "@@ storm-errors $(grep -v 'No such file or directory' /tmp/err | head -3)"
$H await $S/b-done 120 || echo "@@ error no b-done"
echo "@@ storm-listing $(cd storm && for f in $(ls | sort); do printf '%s=%s,' $f "$(cat $f)"; done)"
echo "@@ done"

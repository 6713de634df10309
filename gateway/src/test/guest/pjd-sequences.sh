# pjd-sequences.sh - the pjdfstest sequences that found p9gate bugs (issue 15), rewritten as our own
# busybox sh so that ./run-tests catches a regression without pjdfstest (which CI cannot obtain).
# Run INSIDE the test guest by busybox sh, as root, cwd = the 9P mount, by GuestPjdSequencesIT, with
# POSIX_HELPER = posix-helper (create, as, write-fstat).  Each block names the pjdfstest file whose
# syscalls it repeats; uids/gids 65531-65534 are the suite's.
#
# Output is TAP-like ("ok N - name" / "not ok N - name: details", then "1..N").

N=0 FAILED=0
H=$POSIX_HELPER
# (modes.sh has the same function: the harness copies one script into the guest, so none is shared.)
check() {  # NAME ACTUAL EXPECTED
    N=$((N + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $N - $1"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - $1: expected '$3', got '$2'"
    fi
}
modes() { stat -c '%a,%u,%g' "$1"; }
umask 0

# chmod/12.t: a set-id file created 0?777 under umask 0 is writable by another user (the gateway's umask
# must not apply, cause 1), who sees the set-id bits cleared by the write, in fstat and stat (cause 2).
for m in 4777 2777 6777; do
    "$H" create w$m 0$m
    check "chmod/12.t: create 0$m under umask 0" "$(stat -c %a w$m)" $m
    check "chmod/12.t: 65534 writes 0$m, fstat" "$("$H" as 65534 65534 "$H" write-fstat w$m 2>&1)" 777
    check "chmod/12.t: stat after the write" "$(stat -c %a w$m)" 777
done

# rename/21.t: write permission on both directories (0777 under umask 0) lets another user move a file.
mkdir r2 r3
"$H" create r2/f 0644
check "rename/21.t: 65534 moves a file out of a 0777 directory" \
    "$("$H" as 65534 65534 mv r2/f r3/g 2>&1 && stat -c %a r3/g)" 644

# chown/00.t: set-id bits read back after chmod, and root's chown clears them on a regular file (on a
# directory Linux keeps them; pjdfstest accepts both there).
"$H" create s 0644
chown 65534:65533 s
chmod 06555 s
check "chown/00.t: chmod 06555" "$(modes s)" 6555,65534,65533
chown 65532:65531 s
check "chown/00.t: chown to 65532:65531 clears them" "$(modes s)" 555,65532,65531
ln -s s l
chown 65534:65533 l
chmod 06555 l
check "chown/00.t: chmod 06555 through a symlink" "$(modes s)" 6555,65534,65533
chown 0:0 l
check "chown/00.t: chown 0:0 through a symlink clears them" "$(modes s)" 555,0,0

# chown/00.t on a fifo: where special files are mapped (SPECIAL_FILES=mapped; on the host the fifo is an empty
# 0600 regular file) the guest keeps the set-id bits it sets; a real host fifo cannot hold them (Linux keeps user
# xattrs only on regular files and directories), so there they are dropped.
mkfifo p
chown 65534:65533 p
chmod 06555 p
if [ "$SPECIAL_FILES" = mapped ]; then kept=6555; else kept=555; fi
check "chown/00.t: chmod 06555 of a fifo (special files ${SPECIAL_FILES:-real})" "$(stat -c '%F' p),$(modes p)" \
    "fifo,$kept,65534,65533"

# chmod/00.t: the owner may set S_ISGID while in the file's group; outside it the client drops the bit.
"$H" create g 0755
chown 65534:65534 g
"$H" as 65534 65534 chmod 02755 g
check "chmod/00.t: owner in the group sets 02755" "$(stat -c %a g)" 2755
"$H" as 65534 65534 chmod 0755 g
"$H" as 65534 65533 chmod 02755 g
check "chmod/00.t: owner outside the group gets 0755" "$(stat -c %a g)" 755

echo "1..$N"
echo "# pjd-sequences: $((N - FAILED))/$N passed"
[ "$FAILED" -eq 0 ]

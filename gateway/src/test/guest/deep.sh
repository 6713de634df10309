# deep.sh - a directory tree deeper than PATH_MAX (4096) bytes through the Linux
# kernel 9P client (issue 15, cause 3).  Run INSIDE the test guest by busybox sh,
# as root, with cwd = the 9P mount, by GuestDeepPathIT.  Every name is short;
# only the whole path is long, on the host as in the guest, so each step is
# relative to the directory before it: `cd -P`, since busybox ash's logical
# `cd` joins $PWD and the name into one path, which the kernel refuses beyond
# PATH_MAX in the guest itself.
#
# Output is TAP-like ("ok N - name" / "not ok N - name: details", then "1..N").

N=0 FAILED=0
# check NAME ACTUAL EXPECTED
check() {
    N=$((N + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $N - $1"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - $1: expected '$3', got '$2'"
    fi
}

SEG=""
i=0
while [ $i -lt 24 ]; do SEG="${SEG}dddddddddd"; i=$((i + 1)); done
TOP=$(pwd)

made=0
while [ $made -lt 20 ] && mkdir "$SEG" && cd -P "$SEG"; do made=$((made + 1)); done
check "20 levels of 240-byte names made and entered" "$made" 20

echo deep >file
check "create and read back beyond 4096 bytes" "$(cat file)" deep
mv file moved
check "rename there" "$(cat moved)" deep
check "stat there" "$(stat -c %s moved)" 5
mkdir sub && rmdir sub
check "mkdir and rmdir there" "$([ -e sub ] && echo present || echo gone)" gone
rm moved
check "unlink there" "$([ -e moved ] && echo present || echo gone)" gone
echo kept >kept

# Rename the top of the tree: the directories the client still holds learn their new paths.
cd "$TOP"
mv "$SEG" renamed
cd -P renamed
entered=1
while [ $entered -lt 20 ] && cd -P "$SEG"; do entered=$((entered + 1)); done
check "the renamed tree is entered again" "$entered" 20
check "a file read after its top was renamed" "$(cat kept)" kept

echo "1..$N"
echo "# deep: $((N - FAILED))/$N passed"
[ "$FAILED" -eq 0 ]

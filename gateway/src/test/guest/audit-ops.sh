# audit-ops.sh - everyday operations whose audit records GuestAuditIT looks for
# afterwards: create, write, read, rename, mkdir, ls, unlink. Writes stay far
# below 64 KiB (larger guest frames stall in the harness's fd transport).
n=0
check() {
    n=$((n + 1))
    if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
echo hello >created.txt
check "create and write" '[ -f created.txt ]'
check "read back" '[ "$(cat created.txt)" = hello ]'
mv created.txt renamed.txt
check "rename" '[ -f renamed.txt ] && [ ! -e created.txt ]'
mkdir newdir
check "mkdir" '[ -d newdir ]'
check "ls" 'ls | grep -q renamed.txt'
rm renamed.txt
check "unlink" '[ ! -e renamed.txt ]'

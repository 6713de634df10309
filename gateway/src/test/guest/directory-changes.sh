# directory-changes.sh - GuestDirectoryChangesIT: what the guest lists of a directory after its own creates in one
# tick, after the host changed it (host-ready, then go), and after it renamed a directory itself.
mkdir d
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do : >"d/f$i"; done
echo "@@ same-tick-ls-l $(ls -l d | grep -c ' f[0-9]*$')"
echo "@@ same-tick-ls $(ls d | wc -l)"
echo "@@ host-before $(ls h | tr '\n' ,)"
ls -l h >/dev/null
: >host-ready
n=0
until ls | grep -qx go; do
    n=$((n + 1))
    [ "$n" -lt 600 ] || { echo "@@ host-never-came"; exit 3; }
    sleep 0.1
done
echo "@@ host-after $(ls h | tr '\n' ,)"
echo "@@ host-new $(cat h/new)"
echo "@@ host-moved $(ls h/sub2 | tr '\n' ,)"
echo "@@ host-ls-l $(ls -l h | grep -c '^[-d]')"
mkdir r1
: >r1/x
mv r1 r2
echo "@@ renamed $(ls r2 | tr '\n' ,)$(ls | grep -c '^r1$')"
: >r2/y
echo "@@ renamed-then-created $(ls -l r2 | grep -c ' [xy]$')"

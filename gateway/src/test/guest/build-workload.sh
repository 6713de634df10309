# build-workload.sh - GuestBuildWorkloadIT: a build-like workload of PolicyFixture's alpha (/base read-only,
# /cache limited to CACHE_BYTES bytes and 4 inodes) through the real client.  One "@@ NAME RESULT" line an attempt:
# OK:output (lines joined by ,) or the error.
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "ERR:${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }

# many small creates and temp files renamed onto final names (gcc -o, ld, install do so)
mkdir proj && cd proj || exit 1
i=0; while [ $i -lt 150 ]; do i=$((i + 1)); echo "int f$i;" >"s$i.c"; done
i=0; fail=0
while [ $i -lt 150 ]; do
    i=$((i + 1))
    cp "s$i.c" ".o$i.tmp" && mv ".o$i.tmp" "s$i.o" || fail=$((fail + 1))
done
show small-builds "$fail $(ls | wc -l) $(ls -a | grep -c tmp)"
echo v1 >out; echo v2 >.out.tmp
show rename-onto "$(res mv .out.tmp out) $(cat out)"
cd ..

# in the quota's scope: 4 inodes, the bytes given
dd if=/dev/zero of=cache/out bs=1000 count=60 2>/dev/null
: >cache/a; : >cache/b
show q-fill "$(ls cache | wc -l) $(stat -c %s cache/out)"
# a temp file of the same size as out: both together pass the bytes, after the rename they do not
show q-tmp "$(res dd if=/dev/zero of=cache/.out.tmp bs=1000 count=60)"
show q-tmp-size "$(stat -c %s cache/.out.tmp 2>&1)"
rm -f cache/.out.tmp
dd if=/dev/zero of=cache/.out.tmp bs=1000 count=30 2>/dev/null
show q-tmp30 "$(stat -c %s cache/.out.tmp 2>&1) $(ls cache | wc -l)"
show q-inode-5 "$(res touch cache/c)"
show q-rename-onto "$(res mv cache/.out.tmp cache/out) $(stat -c %s cache/out 2>&1)"
show q-after-rename "$(res touch cache/c) $(ls -a cache | tr '\n' ,)"
show q-rename-onto-2 "$(res mv cache/c cache/a) $(ls -a cache | tr '\n' ,)"

# the read-only subtree
show ro-create "$(res sh -c 'echo x > base/obj.o')"
show ro-rename "$(res mv base/map.db base/map.old)"
show ro-rename-in "$(res mv proj/out base/out)"
show ro-rename-over "$(res mv proj/s1.o base/map.db)"
show ro-map "$(cat base/map.db)"

# git, when the test added it
if [ -n "$GIT" ]; then
    mkdir repo && cd repo
    export HOME=/tmp GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
    show git-init "$(res git init -q)"
    i=0; while [ $i -lt 20 ]; do i=$((i + 1)); echo "line $i" >"f$i"; done
    show git-add "$(res git add .)"
    show git-commit "$(res git commit -q -m first)"
    echo change >>f1
    show git-commit-2 "$(res git commit -q -a -m second)"
    show git-log "$(git log --format=%s | tr '\n' ,)"
    show git-fsck "$(res git fsck --no-progress)"
    show git-status "$(git status --porcelain | wc -l)"
    cd ..
    mkdir cache/r2 2>/dev/null
    show git-in-quota "$(res git init -q cache/r2)"
fi
echo "@@ done"

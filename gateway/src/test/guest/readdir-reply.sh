# readdir-reply.sh - GuestReaddirReplyIT: big/ (the host made 10,000 files in it) listed one way per phase, each
# phase between the creation of phase-N (so the test splits the signed log's Treaddir requests by phase); strace
# shows the getdents64 calls the listing made (buffer size, bytes returned). Run INSIDE the guest by busybox sh, as
# root, cwd = the harness's mount. Prints "@@ NAME VALUE" marks.

# mark, sum, outcome: marks.sh (the test puts it in front).

phase() { : >"phase-$1"; }
calls() { grep -c '^getdents64' "$1"; }
sizes() { sed -n 's/^getdents64([0-9]*, [^,]*, \([0-9]*\)) = \([0-9]*\)/\1:\2/p' "$1" | sort | uniq -c | tr -s ' \n' ' '; }
phase 1
"$STRACE" -e trace=getdents64 -o /tmp/ls ls big >/tmp/ls.out
phase 2
(cd big && "$STRACE" -e trace=getdents64 -o /tmp/glob sh -c 'for n in *; do echo "$n"; done' >/tmp/glob.out)
phase 3
mark ls-names "$(wc -l </tmp/ls.out)"
mark ls-calls "$(calls /tmp/ls)"
mark ls-sizes "$(sizes /tmp/ls)"
mark glob-names "$(wc -l </tmp/glob.out)"
mark glob-calls "$(calls /tmp/glob)"
mark glob-sizes "$(sizes /tmp/glob)"
mark blksize "$(stat -c %o big)"
mark done 1

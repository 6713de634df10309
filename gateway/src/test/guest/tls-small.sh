# tls-small.sh - GuestTlsSmallRepliesIT: a TLS VM (run-guest.sh --tls-dir) making thousands of small requests: the
# host made small/ (300 files of 100 bytes); ROUNDS rounds each stat and read every file, then STATS stats of one.
# Run INSIDE the guest by busybox sh, as root, cwd = the mount. Prints "@@ NAME VALUE" marks.

mark() { echo "@@ $1 $2"; }
sum() { md5sum | cut -d' ' -f1; }

i=1
while [ $i -le "$ROUNDS" ]; do
    for f in small/*; do
        stat -c %s "$f" >/dev/null || echo "stat failed: $f"
        cat "$f"
    done | sum >/tmp/round
    mark "round-$i" "$(cat /tmp/round)"
    i=$((i + 1))
done
n=0
while [ $n -lt "$STATS" ]; do
    stat -c %s small/f000 || break
    n=$((n + 1))
done | sort | uniq -c | sed 's/^ *//' >/tmp/stats
mark stats "$(cat /tmp/stats)"
mark done 1

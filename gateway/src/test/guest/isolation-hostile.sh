# isolation-hostile.sh - the hostile VM (infotainment) of GuestIsolationIT, in its own guest while the cluster VM's
# guest runs its workload on the same gateway (isolation-victim.sh).  Once the victim says "attack": floods of
# creates (into its quota on /scratch), stats and listings; locks held on files both VMs see (an flock -x of
# /cluster/notes.txt, which it may only read, is refused: EROFS); a directory the
# victim has a file open in renamed back and forth; thousands of opens; the victim's hidden files guessed at.
# Everything stops when the victim says "stop"; then the guest dies holding a lock.  One line per attempt:
# "@@ NAME RESULT".
#
# infotainment may read /cluster (read-only to it), may not see /cluster-private, writes /scratch (quota: 512 KiB,
# 100 inodes) and /shared (quota: 1 MiB, 64 inodes).

H=${ISO_HELPER:?ISO_HELPER not set}
S=shared/sync
show() { echo "@@ $1 $(echo "$2" | tr ' \n' '_ ')"; }
running() { [ ! -e "$S/stop" ]; }

: >"$S/hostile-ready"
show go "$("$H" wait "$S/attack" 200)"

# creates and 8 KiB writes into /scratch, past its quota and on
creates() {
    made=0 refused=0 i=0
    while running; do
        if dd if=/dev/zero of="scratch/c$1-$i" bs=8192 count=1 2>/dev/null; then made=$((made + 1)); else refused=$((refused + 1)); fi
        i=$((i + 1))
    done
    echo "@@ creates-$1 made=$made refused=$refused"
}
stats() { n=0; while running; do stat cluster cluster/* scratch >/dev/null 2>&1; n=$((n + 1)); done; echo "@@ stats-$1 $n"; }
listings() { n=0; while running; do ls -laR . >/dev/null 2>&1; n=$((n + 1)); done; echo "@@ listings-$1 $n"; }
# the victim's open file's directory, renamed and back; and the victim's own directories (read-only here)
renames() {
    n=0 ro=0
    while running; do
        mv shared/vdir shared/vdir-moved && mv shared/vdir-moved shared/vdir && n=$((n + 1))
        for d in cluster/run-*; do mv "$d" "$d-stolen" 2>/dev/null || ro=$((ro + 1)); done
    done
    echo "@@ renames moved=$n refused=$ro"
}

: >/tmp/hold
"$H" hold "$S/stop" shared/locked f:shared/flocked f:cluster/notes.txt cluster-private/secret >/tmp/hold &
holder=$!
"$H" massopen "$S/stop" 3000 cluster/big >/tmp/massopen &
opener=$!
for j in 1 2 3; do creates $j & done
for j in 1 2; do stats $j & listings $j & done
renames &
# locks taken (one word per file) before the victim is told
n=0
while [ "$(wc -l </tmp/hold)" -lt 4 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
show hidden-read "$("$H" read cluster-private/secret)"
show hidden-dotdot "$("$H" read cluster/../cluster-private/secret)"
show hidden-ls "$(ls cluster-private 2>&1 | grep -c 'No such file')"
show ro-write "$("$H" creat cluster/planted)"
show shared-fill "$(dd if=/dev/zero of=shared/fill bs=65536 count=32 2>&1 | grep -c 'quota')"
: >"$S/attacking"

wait $holder $opener
show holds "$(cat /tmp/hold)"
show massopen "$(cat /tmp/massopen)"
wait
echo "@@ done"

# Then it dies holding a lock: the guest reboots at once (QEMU runs with -no-reboot, so it exits), closing nothing.
: >/tmp/crashhold
"$H" hold "$S/never" shared/crashlock >/tmp/crashhold &
n=0
while [ ! -s /tmp/crashhold ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
show crash-hold "$(cat /tmp/crashhold)"
: >"$S/crash-ready"
"$H" wait "$S/crash" 120 >/dev/null
echo "@@ crashing"
echo b >/proc/sysrq-trigger

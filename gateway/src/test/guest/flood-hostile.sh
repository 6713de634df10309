# flood-hostile.sh - the flooding VM (infotainment) of GuestFloodLatencyIT.  Once the victim says "attack": listings
# of a directory of thousands of entries, walks of a deep tree, whole reads of a large file at msize, creates into a
# directory under an inode quota, all in parallel, until the victim says "stop".  Lines: "@@ NAME COUNT".

S=sync
running() { [ ! -e "$S/stop" ]; }
: >"$S/hostile-ready"
n=0; while [ ! -e "$S/attack" ] && [ $n -lt 1500 ]; do sleep 0.1; n=$((n + 1)); done

listings() { n=0; while running; do ls -f pub/many >/dev/null 2>&1; n=$((n + 1)); done; echo "@@ listings-$1 $n"; }
walks() { n=0; while running; do find pub/deep >/dev/null 2>&1; n=$((n + 1)); done; echo "@@ walks $n"; }
reads() { n=0; while running; do cat pub/big >/dev/null 2>&1; n=$((n + 1)); done; echo "@@ reads-$1 $n"; }
creates() {
    i=0 made=0 refused=0
    while running; do
        if touch "flood/c$i" 2>/dev/null; then made=$((made + 1)); else refused=$((refused + 1)); fi
        i=$((i + 1))
    done
    echo "@@ creates made=$made refused=$refused"
}
listings 1 & listings 2 & listings 3 &
walks &
reads 1 & reads 2 &
creates &
sleep 1
: >"$S/attacking"
wait
echo "@@ done"

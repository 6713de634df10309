# two-vm-lock-kill.sh - GuestTwoVmLockKillIT's two guests on one shared folder (GuestSetIdLockReloadIT's VMs a and b,
# cache=none). ROLE=b holds an fcntl write lock on shared/pl and a flock on shared/fl in background processes, then
# ends its script while they still hold them: the guest's init powers the VM off with the files open (umount fails,
# busy), so no unlock and no clunk is ever sent, and its connection simply closes. ROLE=a meanwhile finds both locks
# taken, waits on both (F_SETLKW and a blocking flock), and gets each once b's VM is gone.
# Run INSIDE the guest by busybox sh, as root, cwd = the mount; marks.sh in front. Prints "@@ ROLE-NAME VALUE".

L=$SL_HELPER
S=sync
show() { mark "$ROLE-$1" "$2"; }

if [ "$ROLE" = b ]; then
    echo pl >shared/pl && echo fl >shared/fl
    "$L" hold shared/pl $S/b-held $S/never >/tmp/hold.out 2>&1 &
    flock -x shared/fl sh -c ": >$S/b-flocked; exec sleep 600" &
    "$L" await $S/b-held 60 && "$L" await $S/b-flocked 60; show holding $?
    show hold-lock "$(grep '^@@ hold-lock' /tmp/hold.out | cut -d' ' -f3)"
    : >$S/b-ready
    "$L" await $S/a-waiting 240; show a-waited $?
    sleep 1
    show done ""
    exit 0 # the holders live on: init's umount fails (busy) and it powers the VM off under them
fi

show flock-contended "$(flock -n -x shared/fl true; echo $?)"
"$L" getlk getlk shared/pl 0 0 | sed "s/^@@ /@@ a-/"
"$L" setlkw shared/pl >/tmp/wait.out 2>&1 &
waiter=$!
flock -x -w 240 shared/fl true &
flocker=$!
sleep 2
show waiting "$(grep -c wait-lock /tmp/wait.out)"
: >$S/a-waiting
wait $waiter
sed "s/^@@ /@@ a-/" /tmp/wait.out
wait $flocker; show flock-after $?
show flock-free "$(flock -n -x shared/fl true; echo $?)"
show done ""

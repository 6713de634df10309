# two-vm-share.sh - GuestTwoVmShareIT's two guests (ROLE=a: VM a, cache=mmap; ROLE=b: VM b, cache=none) on one
# gateway and one folder, each step awaited through files in sync/.  Prints "@@ ROLE-NAME VALUE" lines.
# 1. a holds flock(1) on shared/fl; b renames it, finds the renamed file still locked, a new shared/fl free, and
#    removes the renamed one; a's lock then ends cleanly.
# 2. a holds an fcntl write lock on shared/pl; b renames it, sees a's lock by F_GETLK at the new name, removes it;
#    a's later lock calls on the unlinked file answer cleanly.
# 3. b appends 200 numbered lines to shared/log while a polls it (no inotify, a tail -f loop) until it has them all.
# 4. a appends to shared/tr while b truncates it again and again: no hang; a's append after b stopped lands at the
#    end b left, and both see the same bytes, none of them a hole's zeros.
# 5. a writes shared/mm through a shared writable map and msyncs; b reads what a wrote, before and after a rewrite
#    (the helper's last write(2) puts an x at offset 0).
H=${SL_HELPER:?SL_HELPER not set}
M=${MM_HELPER:?MM_HELPER not set}
S=sync
show() { echo "@@ $ROLE-$1 $2"; }
await() { $H await "$S/$1" 60 || show error "no $1"; }
# shared/tr's size, its zero bytes (a hole an append at a stale end would leave) and last line
tr_seen() { n=$(stat -c %s shared/tr); echo "$n $((n - $(tr -d '\000' <shared/tr | wc -c))) $(tail -n 1 shared/tr)"; }
[ "$ROLE" = a ] && : >$S/a-ready

if [ "$ROLE" = a ]; then
    echo lock >shared/fl
    flock shared/fl -c ": >$S/fl-held; $H await $S/fl-moved 60"; show flock-rc $?
    echo lock >shared/pl
    $H hold shared/pl $S/pl-held $S/pl-go | sed "s/^@@ /@@ a-/"
    await log-start
    i=0
    while [ "$(tail -n 1 shared/log 2>/dev/null)" != b-200 ] && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.1; done
    show log-polled "$(awk '$0 != "b-" NR { bad++ } END { print NR, bad + 0 }' shared/log)"
    : >$S/tr-start
    i=0; while [ $i -lt 300 ]; do i=$((i + 1)); echo "a-$i" >>shared/tr || show tr-append-failed $i; done
    : >$S/tr-a-done
    await tr-b-done
    echo a-last >>shared/tr
    show tr-after "$(tr_seen)"
    : >$S/tr-a-last
    printf '%4096s' '' | tr ' ' . >shared/mm
    $M shared/mm $S/mm-ready $S/mm-go | sed "s/^@@ /@@ a-/"
    : >$S/mm-done
else
    await fl-held
    mv shared/fl shared/fl-renamed; show mv-locked $?
    flock -n shared/fl-renamed true; show flock-renamed $?
    echo new >shared/fl && flock -n shared/fl true; show flock-new-name $?
    rm shared/fl-renamed; show rm-locked $?
    : >$S/fl-moved
    await pl-held
    mv shared/pl shared/pl2; show mv-plocked $?
    $H getlk b-getlk-renamed shared/pl2 0 0
    rm shared/pl2; show rm-plocked $?
    : >$S/pl-go
    : >shared/log; : >$S/log-start
    i=0; while [ $i -lt 200 ]; do i=$((i + 1)); echo "b-$i" >>shared/log; done
    await tr-start
    n=0; while [ ! -e $S/tr-a-done ] && [ $n -lt 2000 ]; do n=$((n + 1)); truncate -s 0 shared/tr || break; done
    show tr-truncated "$([ $n -gt 0 ] && echo yes)"
    : >$S/tr-b-done
    await tr-a-last
    show tr-after "$(tr_seen)"
    await mm-ready
    show mm-before "$(head -c 6 shared/mm)"
    : >$S/mm-go
    await mm-done
    show mm-after "$(head -c 6 shared/mm)"
fi
show done ""

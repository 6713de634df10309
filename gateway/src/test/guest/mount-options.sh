# mount-options.sh - one short read/write/readdir/permission script under each mount option, on p9gate (VM a's share
# car, extra ports gN) and on diod (its export, extra ports dN), in one guest: VARIANTS (space separated, N = index)
# names the options. Run INSIDE the guest by busybox sh, as root, with marks.sh in front; LOCK_HELPER =
# setid-lock-helper (its "as UID CMD" runs a command as another user). Prints "@@ SERVER-N-NAME VALUE" marks.

L=$LOCK_HELPER
port() { for n in /sys/class/virtio-ports/*/name; do [ "$(cat "$n")" = "$1" ] && echo "/dev/$(basename "$(dirname "$n")")"; done; }
# mnt PORT DIR ANAME OPTION
mnt() {
    mkdir -p "$2"
    case "$4" in msize=*) o="$4" ;; *) o="msize=524288,$4" ;; esac
    p9sock "$(port "$1")" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,aname=$3,$o" "$1" "$2"
}
as() { "$L" as "$@"; }
# another user the host knows too (diod looks every attaching uid up in its user database): daemon
OTHER=1
acl=0x0200000001000600ffffffff020004000100000004000000ffffffff10000400ffffffff20000000ffffffff

steps() { # PREFIX DIR
    p=$1
    grep -q " $2 9p " /proc/mounts && cd "$2" || { mark "$p-mounted" no; return; }
    mark "$p-mounted" ok
    mkdir w && cd w
    echo data >f
    mark "$p-read" "$(cat f)"
    dd if=/dev/urandom of=/tmp/big bs=1000 count=300 2>/dev/null
    cp /tmp/big big
    mark "$p-big" "$([ "$(sum <big)" = "$(sum </tmp/big)" ] && echo same || echo differs)"
    mkdir d
    i=0; while [ $i -lt 150 ]; do : >d/entry-with-a-long-name-$i; i=$((i + 1)); done
    mark "$p-readdir" "$(ls d | wc -l) $(ls d | sum)"
    mark "$p-ls-f" "$(ls -ln f | awk '{print $1, $3, $4, $5}')"
    chmod 600 f
    mark "$p-other-read-600" "$(outcome as $OTHER cat f)"
    chmod 644 f
    mark "$p-other-read-644" "$(outcome as $OTHER cat f)"
    mark "$p-other-append-644" "$(outcome as $OTHER sh -c 'echo x >>f')"
    mkdir pub && chmod 1777 pub
    mark "$p-other-create" "$(outcome as $OTHER sh -c 'echo mine >pub/u')"
    mark "$p-other-owner" "$(stat -c '%u %g %a' pub/u 2>&1)"
    mark "$p-other-mkdir" "$(outcome as $OTHER mkdir pub/ud)"
    mark "$p-other-mkdir-owner" "$(stat -c '%u %g' pub/ud 2>&1)"
    mark "$p-root-rm-other" "$(outcome rm pub/u)"
    echo s >pub/r
    mark "$p-other-rm-sticky" "$(outcome as $OTHER rm -f pub/r)"
    mark "$p-chown" "$(outcome chown $OTHER:$OTHER f) $(stat -c '%u %g' f)"
    mark "$p-owner-chmod" "$(outcome as $OTHER chmod 600 f) $(stat -c '%a' f)"
    echo acl >a && chmod 600 a
    mark "$p-acl-set" "$(outcome setfattr -n system.posix_acl_access -v $acl a)"
    mark "$p-acl-read" "$(outcome as $OTHER cat a)"
    ln -s f sl && ln f hl
    mark "$p-links" "$(readlink sl) $(stat -c %h f)"
    mv hl hl2 && mark "$p-rename" "$(cat hl2)"
    cd .. && rm -r w
    mark "$p-cleaned" "$(ls | grep -vx ro | wc -l)"
    cd /
}

n=0
for opt in $VARIANTS; do
    mnt g$n /g$n car "$opt" 2>/tmp/m.err || mark "g-$n-mount" "$(cat /tmp/m.err)"
    mnt d$n /d$n "$DIOD_ANAME" "$opt" 2>/tmp/m.err || mark "d-$n-mount" "$(cat /tmp/m.err)"
    mark "opt-$n" "$opt"
    steps g-$n /g$n
    steps d-$n /d$n
    umount /g$n /d$n
    n=$((n + 1))
done
mark mounts-done "$n"

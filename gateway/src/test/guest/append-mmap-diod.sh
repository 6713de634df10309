# append-mmap-diod.sh - GuestAppendMmapDiodIT's guest: the same O_APPEND and shared-map steps on p9gate (VM a's share
# car, on the harness's mount with cache=none and through the extra port pg with cache=mmap) and on diod (its export
# through the extra ports dn, cache=none, and dm, cache=mmap), each under its own prefix, in one guest: both servers
# see the same client. Run INSIDE the guest by busybox sh, as
# root, cwd = the harness's mount (p9gate, cache=none). Prints "@@ NAME VALUE" marks.

# mark, sum, outcome: marks.sh (the test puts it in front).

H=${MW_HELPER:?MW_HELPER not set}
port() { for n in /sys/class/virtio-ports/*/name; do [ "$(cat "$n")" = "$1" ] && echo "/dev/$(basename "$(dirname "$n")")"; done; }
# mnt PORT DIR ANAME CACHE
mnt() { mkdir -p "$2"; p9sock "$(port "$1")" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,aname=$3,cache=$4" "$1" "$2"; }
mnt pg /pg car mmap
mnt dn /dn "$DIOD_ANAME" none
mnt dm /dm "$DIOD_ANAME" mmap
mark mounts "$(grep -c ' 9p ' /proc/mounts)"
dots() { i=0; while [ $i -lt "$2" ]; do printf '.'; i=$((i + 1)); done >"$1"; }
appender() { # LETTER FILE
    exec 3>>"$2"
    i=0
    while [ $i -lt 200 ]; do printf '%s%048d\n' "$1" $i >&3; i=$((i + 1)); done
    exec 3>&-
}
# steps NAME NONE-DIR MMAP-DIR: one server's folder through a cache=none and a cache=mmap mount
steps() {
    n=$2; m=$3
    mkdir -p "$n/w"
    # O_APPEND after a seek: the write lands at the end whatever the offset
    printf 0123456789 >"$n/w/a"
    printf XY | dd of="$n/w/a" bs=1 seek=3 oflag=append conv=notrunc 2>/dev/null
    mark "$1-append-seek" "$(cat "$n/w/a")"
    # an O_APPEND descriptor while another one truncates and rewrites: the next append is at the new end
    exec 4>>"$n/w/b"
    printf first >&4
    printf 'ab' >"$n/w/b"
    printf Z >&4
    exec 4>&-
    mark "$1-append-after-truncate" "$(od -An -c "$n/w/b" | tr -s ' \n' ' ')"
    # two appenders at once, one through each mount
    : >"$n/w/c"
    appender A "$n/w/c" &
    appender B "$m/w/c" &
    wait
    mark "$1-appenders" "$(stat -c %s "$n/w/c") $(grep -c '^[AB][0-9]\{48\}$' "$n/w/c") $(sort "$n/w/c" | sum)"
    # shared writable maps: the middle of a file, and the tail of one that ends inside a page
    dots "$m/w/mid" 20000
    mark "$1-map-mid" "$($H "$m/w/mid" 5000 9000 M)"
    dots "$m/w/tail" 10001
    mark "$1-map-tail" "$($H "$m/w/tail" 8000 2001 T)"
    for f in mid tail; do
        mark "$1-$f" "$(sum <"$n/w/$f") $(stat -c %s "$n/w/$f")"
    done
    # a map of a file another descriptor appends to: the map's writes and the appends both stay
    dots "$m/w/mix" 4096
    exec 5>>"$n/w/mix"
    printf APPENDED >&5
    mark "$1-map-mix" "$($H "$m/w/mix" 0 100 Q)"
    printf MORE >&5
    exec 5>&-
    mark "$1-mix" "$(sum <"$n/w/mix") $(stat -c %s "$n/w/mix") $(tail -c 12 "$n/w/mix")"
}
steps p9 . /pg
steps diod /dn /dm
umount /pg /dn /dm
mark done 1

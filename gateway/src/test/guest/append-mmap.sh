# append-mmap.sh - GuestAppendMmapIT's guest (VM a, share car on the harness's mount, cache=none): the same share
# mounted again through extra virtio-serial ports n2 (cache=none), lo (cache=loose) and mm (cache=mmap).
# 1. O_APPEND: one process per cache=none mount appends 400 records of 100 bytes while the host appends too (sync
#    append-go); every record must land whole, none over another (each mount's inode has its own idea of the size).
# 2. Shared writable maps through lo and mm over files the host made (a region in the middle; the tail of a file
#    that ends inside a page), msync'ed and closed; then read back through the other mounts.
# Run INSIDE the guest by busybox sh, as root, cwd = the mount. Prints "@@ NAME VALUE" marks.

# mark, sum, outcome: marks.sh (the test puts it in front).

H=${MW_HELPER:?MW_HELPER not set}
port() { for n in /sys/class/virtio-ports/*/name; do [ "$(cat "$n")" = "$1" ] && echo "/dev/$(basename "$(dirname "$n")")"; done; }
# mnt PORT DIR [,MORE-OPTIONS]
mnt() { mkdir -p "$2"; p9sock "$(port "$1")" mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,msize=524288,aname=car$3" "$1" "$2"; }
mnt n2 /n2
mnt lo /lo ,cache=loose
mnt mm /mm ,cache=mmap
mark mounts "$(grep -c ' 9p ' /proc/mounts)"

appender() { # LETTER FILE
    exec 3>>"$2"
    i=0
    while [ $i -lt 400 ]; do
        printf '%s%098d\n' "$1" $i >&3
        i=$((i + 1))
    done
    exec 3>&-
}
: >sync/append-go
appender A app &
appender B /n2/app &
wait
mark append-size "$(stat -c %s app)"

mark map-loose "$($H /lo/mid-loose 5000 200000 L)"
mark map-mmap "$($H /mm/mid-mmap 5000 200000 M)"
mark tail-loose "$($H /lo/tail-loose 8000 2001 T)"
mark tail-mmap "$($H /mm/tail-mmap 8000 2001 T)"
for f in mid-loose mid-mmap tail-loose tail-mmap; do
    mark "$f-none" "$(sum <"$f") $(stat -c %s "$f")"
    mark "$f-n2" "$(sum <"/n2/$f") $(stat -c %s "/n2/$f")"
done
umount /lo /mm /n2
mark done 1

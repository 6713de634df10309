# mmap-reload.sh - GuestHostileIT's cache=mmap run: a shared writable map of hold-ro/m, written before and after the
# host makes /hold-ro read-only (hold-ready, then signal/go); then what the guest reads back.
"${MMAP_HELPER:?MMAP_HELPER not set}" hold-ro/m hold-ready signal/go
echo "@@ mmap-reads $(head -c 6 hold-ro/m)"
echo 3 >/proc/sys/vm/drop_caches
echo "@@ mmap-reads-dropped $(head -c 6 hold-ro/m)"

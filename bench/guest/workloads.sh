# workloads.sh - run INSIDE the test guest (busybox sh, cwd = the 9P mount)
# by bench/clients/guest-kernel.sh.  Env: WORKLOADS (comma list of
# seq-write, seq-read, meta), SIZE_MB, FILES.  Prints one line per workload:
#   RESULT <workload> <value> <unit>      (higher is better)
set -e
# Writes and reads are 1 MiB dd blocks (one write(2)/read(2) each): at msize 512 KiB
# the kernel sends them as 512 KiB Twrite/Tread; at 64 KiB as 64 KiB ones.  (The
# guest harness's default relay carries any frame up to the fd transport's 1 MiB.)
WBS=1048576
WCOUNT=$SIZE_MB
MIB=$SIZE_MB
t() { cut -d' ' -f1 /proc/uptime; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN{d=b-a; if (d <= 0) d = 0.001; printf "%.2f", n/d}'; }
D=bench.$(cut -c1-8 /proc/sys/kernel/random/uuid); mkdir "$D"; cd "$D"
for w in $(echo "$WORKLOADS" | tr ',' ' '); do
    case "$w" in
        seq-write)
            s=$(t); dd if=/dev/zero of=seq.dat bs=$WBS count=$WCOUNT 2>/dev/null; sync; e=$(t)
            echo "RESULT seq-write $(rate "$MIB" "$s" "$e") MiB/s" ;;
        seq-read)
            [ -f seq.dat ] || { dd if=/dev/zero of=seq.dat bs=$WBS count=$WCOUNT 2>/dev/null; sync; }
            echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
            s=$(t); dd if=seq.dat of=/dev/null bs=1M 2>/dev/null; e=$(t)
            echo "RESULT seq-read $(rate "$MIB" "$s" "$e") MiB/s" ;;
        meta)
            # create + stat + unlink of FILES small files: 3 * FILES operations.
            mkdir m; s=$(t)
            i=0; while [ $i -lt "$FILES" ]; do echo x >m/f$i; i=$((i + 1)); done
            ls -l m >/dev/null
            rm -f m/f*
            e=$(t); rmdir m
            echo "RESULT meta $(rate $((FILES * 3)) "$s" "$e") ops/s" ;;
        *) echo "unknown workload $w" >&2; exit 2 ;;
    esac
done
cd .. && rm -rf "$D"

# differential.sh - the same seeded operation sequences (fsx.c) in the 9P mount and in a tmpfs of the guest's own,
# the seeds of each side run at once (concurrent requests on the one 9P connection); GuestDifferentialIT compares
# the two sides line by line. Env: FSX (the static fsx binary), SEEDS, NOPS.
mkdir -p /differential-tmpfs /differential-out
mount -t tmpfs none /differential-tmpfs || exit 3
for side in 9p tmpfs; do
    if [ "$side" = 9p ]; then base=$PWD; else base=/differential-tmpfs; fi
    for s in $SEEDS; do
        mkdir -p "$base/run-$s"
        (cd "$base/run-$s" && "$FSX" "$s" "$NOPS" 0 >"/differential-out/$side-$s" 2>&1; echo "exit $?" >>"/differential-out/$side-$s") &
    done
    wait
    for s in $SEEDS; do
        echo "@@SECTION $side $s"
        cat "/differential-out/$side-$s"
    done
done
echo "@@SECTION checks 0"
"$FSX" append 3 400
"$FSX" readdir 600 10
echo "@@SECTION end 0"

# harness-probe.sh - a guest script with known results, so GuestDiodSelfTest
# can check the harness end to end: mount, env passing, TAP parsing and exit
# status propagation.  Expected: checks 1, 2, 4 pass, 3 fails, 5 skips, exit 3.
if grep -q ' /mnt 9p ' /proc/mounts; then echo "ok 1 - mounted over 9p"; else echo "not ok 1 - mounted over 9p: no 9p on /mnt"; fi
echo "probe $$" >probe.txt
if [ "$(cat probe.txt)" = "probe $$" ]; then echo "ok 2 - file round trip"; else echo "not ok 2 - file round trip: read back differs"; fi
rm -f probe.txt
echo "not ok 3 - deliberate failure: expected by GuestDiodSelfTest"
if [ "${PROBE_VALUE:-}" = "forty two" ]; then echo "ok 4 - env passed"; else echo "not ok 4 - env passed: got '${PROBE_VALUE:-}'"; fi
echo "ok 5 - skip directive # SKIP on purpose"
exit 3

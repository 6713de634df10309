# flood-victim.sh - the well-behaved VM (cluster) of GuestFloodLatencyIT, in its own guest while another guest on
# the same gateway floods it.  Times ROUNDS rounds of stat, open, read 4 KiB, close of one small file, first while
# the other guest waits ("baseline"), then while it floods ("attacked").  Lines: "@@ LABEL median=US p99=US".

P=${PROBE_HELPER:?PROBE_HELPER not set}
R=${ROUNDS:-300}
S=sync
waitfor() { n=0; while [ ! -e "$1" ] && [ $n -lt 1500 ]; do sleep 0.1; n=$((n + 1)); done; [ -e "$1" ]; }

waitfor "$S/hostile-ready" || echo "@@ error no hostile guest"
echo "@@ baseline $("$P" latency victim/small "$R" | tr ' ' '_')"
: >"$S/attack"
waitfor "$S/attacking" || echo "@@ error no attack"
echo "@@ attacked $("$P" latency victim/small "$R" | tr ' ' '_')"
: >"$S/stop"
echo "@@ done"

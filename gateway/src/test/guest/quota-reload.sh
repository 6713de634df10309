# quota-reload.sh - GuestQuotaReloadIT: VM alpha (/cache limited to 100000 bytes and 16 inodes by the test) busy
# in /cache (a loop creating, writing, renaming, listing, removing and appending) while the host reloads
# the quota down to 50000 bytes, below what /cache holds (signal/ready-1, then signal/go-1), and back to 100000
# (ready-2, go-2). A descriptor of an unlinked file is held across the first reload. One line per attempt:
# "@@ NAME RESULT", RESULT being OK:output or the error text after the last ": ".
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }
wait_for() { n=0; until [ -e "$1" ]; do sleep 0.1; n=$((n + 1)); [ $n -lt 1200 ] || return 1; done; }
phase() { : >"signal/ready-$1"; wait_for "signal/go-$1" || { echo "@@ no-go-$1"; exit 1; }; }
rounds() { c=$(($(cat /tmp/loop.count) + 3)); n=0; until [ "$(cat /tmp/loop.count)" -ge $c ] || [ $n -ge 150 ]; do sleep 0.2; n=$((n + 1)); done; }
# the guest's uptime in seconds (the loop keeps how long each round took: a hang would show)
up() { cut -d' ' -f1 /proc/uptime; }

head -c 60000 /dev/zero >cache/a

loop() {
    i=0
    while [ ! -e /tmp/stop ]; do
        i=$((i + 1))
        t=$(up)
        { head -c 2000 /dev/zero >cache/l/f && mv cache/l/f cache/l/g && ls cache/l >/dev/null && rm cache/l/g \
            && echo "$i" >>cache/l/log; } 2>>/tmp/loop.err
        echo "$t $(up)" | awk '{ printf "%d\n", $2 - $1 }' >>/tmp/loop.secs
        echo "$i" >/tmp/loop.count
    done
}
mkdir cache/l # the loop's own directory: its listing meets no change of the script's
loop </dev/null &
LOOP=$!
until [ -s /tmp/loop.count ]; do sleep 0.1; done
# opened after the loop started, so that only this shell holds it
head -c 20000 /dev/zero >cache/gone
exec 7>>cache/gone
rm cache/gone
show held-unlinked-write "$(res sh -c 'dd if=/dev/zero bs=1000 count=1 >&7')"
rounds

phase 1 # 50000 bytes: /cache holds 60000 + 21000 + the log
show tight-append "$(res dd if=/dev/zero of=cache/a bs=10 count=1 seek=6000 conv=notrunc)"
show tight-held-unlinked-write "$(res sh -c 'dd if=/dev/zero bs=1000 count=1 >&7')"
show tight-new "$(res dd if=/dev/zero of=cache/n bs=10 count=1)"
show tight-overwrite "$(res dd if=/dev/zero of=cache/a bs=1000 count=1 conv=notrunc)"
show tight-rename "$(res mv cache/a cache/a2)"
show tight-truncate-down "$(res truncate -s 10000 cache/a2)"
rounds
# 10000 + 21000 (held) + the log: a 35000-byte file fits only once the held file is closed and freed
show tight-35000-held "$(res dd if=/dev/zero of=cache/b bs=35000 count=1)"
rm -f cache/b
exec 7>&-
show tight-35000-freed "$(res dd if=/dev/zero of=cache/b bs=35000 count=1)"
rounds

phase 2 # 100000 bytes again
show loose-append "$(res dd if=/dev/zero of=cache/a2 bs=10 count=1 seek=1000 conv=notrunc)"
rounds
: >/tmp/stop
wait $LOOP
show loop-ran "$([ "$(cat /tmp/loop.count)" -ge 9 ] && echo yes || cat /tmp/loop.count)"
show loop-errors "$(sed 's/.*: //' /tmp/loop.err | sort -u | tr '\n' ',')"
show loop-slowest-below-10 "$([ "$(sort -n /tmp/loop.secs | tail -n 1)" -lt 10 ] && echo yes || sort -n /tmp/loop.secs | tail -n 1)"
show cache-left "$(ls cache | tr '\n' ',')"
show sizes "$(stat -c %s cache/a2 cache/b | tr '\n' ',')"
echo "@@ done"

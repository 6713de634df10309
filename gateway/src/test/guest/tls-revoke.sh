# tls-revoke.sh - GuestTlsRevokeIT: VM alpha over mutual TLS (run-guest.sh --tls-dir), in the dialect the test mounts
# with: its policy's outcomes (/ro read-only, /hid hidden, no *.sh writes, guest ids 0-65535 mapped, /q's quota,
# devices refused), then, with REVOKE=1, a loop busy in /busy while the host revokes alpha's certificate (CRL) and
# reloads: the mount must end, every call failing at once, none hanging. One line per attempt: "@@ NAME RESULT",
# RESULT being OK:output or the error text after the last ": ".
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }
up() { cut -d' ' -f1 /proc/uptime; }
secs() { echo "$1 $(up)" | awk '{ printf "%d", $2 - $1 }'; }

echo data >w
mkdir d1
show ro-touch "$(res touch ro/x)"
show ro-mv-dir "$(res mv d1 ro/)"
show ro-ln-in "$(res ln w ro/l)"
show hid-ls "$(res ls hid)"
show hid-cat "$(res cat hid/f)"
show hid-ln-in "$(res ln w hid/l)"
show hid-ln-out "$(res ln hid/f l2)"
show hid-mv-dir "$(res mv d1 hid/)"
show deny-touch "$(res touch x.sh)"
show deny-mv "$(res mv w w.sh)"
show owner "$(stat -c %u:%g w)"
show chown-mapped "$(res chown 1000:1001 w)"
show owner-mapped "$(stat -c %u:%g w)"
show chown-unmapped "$(res chown 70000 w)"
show owner-after "$(stat -c %u:%g w)"
show mkfifo "$(res mkfifo p)"
show mknod-c "$(res mknod c0 c 1 3)"
show q-dd-past "$(dd if=/dev/zero of=q/a bs=4096 count=40 2>&1 >/dev/null | head -n 1 | sed 's/.*: //')"
show q-dd-size "$(stat -c %s q/a)"
show q-truncate-past "$(res truncate -s 1000000 q/b)"
show q-left "$(ls q | tr '\n' ',')"
rm -f q/a q/b
show d1-left "$(ls -d d1 2>&1)"
[ "${REVOKE:-0}" = 1 ] || { echo "@@ done"; exit 0; }

# a loop creating, writing, renaming, listing and removing in /busy (and appending to /busy/log) until it fails
mkdir -p busy
loop() {
    i=0
    while [ ! -e /tmp/stop ]; do
        i=$((i + 1))
        k=$((i % 4))
        { echo "w$i" >"busy/f$k" && mv "busy/f$k" "busy/g$k" && ls busy >/dev/null && rm "busy/g$k" \
            && echo "$i" >>busy/log; } 2>>/tmp/loop.err || { echo "$i" >/tmp/loop.failed; break; }
        echo "$i" >/tmp/loop.count
    done
}
loop </dev/null &
LOOP=$!
until [ -s /tmp/loop.count ]; do sleep 0.1; done
t0=$(up)
: >signal/ready-revoke
# the host revokes and reloads; stat until the mount stops answering (up to 120 s)
n=0
while stat -c %s w >/dev/null 2>/tmp/stat.err; do sleep 0.2; n=$((n + 1)); [ $n -lt 600 ] || break; done
show revoked-stat "$(sed 's/.*: //' /tmp/stat.err | head -n 1)"
show revoke-seconds-below-60 "$([ "$(secs "$t0")" -lt 60 ] && echo yes || secs "$t0")"
s=$(up)
show after-ls "$(res timeout 30 ls)"
show after-cat "$(res timeout 30 cat w)"
show after-touch "$(res timeout 30 touch new)"
show after-seconds "$(secs "$s")"
: >/tmp/stop
n=0
while kill -0 $LOOP 2>/dev/null; do sleep 0.2; n=$((n + 1)); [ $n -lt 150 ] || break; done
show loop-ended "$(kill -0 $LOOP 2>/dev/null && echo no || echo yes)"
show loop-count "$(cat /tmp/loop.count)"
show loop-errors "$(sed 's/.*: //' /tmp/loop.err | sort -u | tr '\n' ',')"
echo "@@ done"

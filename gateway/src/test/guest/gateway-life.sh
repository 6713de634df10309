# gateway-life.sh - GuestGatewayLifeIT: the gateway's life while a guest is busy. A loop writes, creates, renames and
# reads in /busy; the host reloads /busy to read-only, hidden, writable again (signal/ready-N, then signal/go-N), a
# descriptor open for appending (5) and one for reading (6) held across; then the host stops the gateway (SIGTERM)
# while dd streams a pattern into big. One line per attempt: "@@ NAME RESULT", RESULT being OK:output or the error
# text after the last ": ".
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }
wait_for() { n=0; until [ -e "$1" ]; do sleep 0.1; n=$((n + 1)); [ $n -lt 1200 ] || return 1; done; }
up() { cut -d' ' -f1 /proc/uptime; }
# phase N: tell the host, wait for its reload, then the checks of that policy
phase() { : >"signal/ready-$1"; wait_for "signal/go-$1" || { echo "@@ no-go-$1"; exit 1; }; }
# three more rounds of the loop (under this policy), however slow the guest
rounds() { c=$(($(cat /tmp/loop.count) + 3)); n=0; until [ "$(cat /tmp/loop.count)" -ge $c ] || [ $n -ge 150 ]; do sleep 0.2; n=$((n + 1)); done; }

mkdir -p busy
echo keep >busy/r
exec 5>>busy/held
exec 6<busy/r
echo a >&5

# `true`, not `:`: a failed redirection of a special built-in (`:`) ends the shell, the loop with it
loop() {
    i=0
    while [ ! -e /tmp/stop ]; do
        i=$((i + 1))
        k=$((i % 8))
        { echo "w$i" >"busy/f$k" && mv "busy/f$k" "busy/g$k" && cat "busy/g$k" >/dev/null && true >>busy/log; } \
            2>>/tmp/loop.err
        echo "$i" >/tmp/loop.count
    done
}
loop </dev/null &
LOOP=$!
until [ -s /tmp/loop.count ]; do sleep 0.1; done
rounds

phase 1 # /busy read-only
show ro-count "$(cat /tmp/loop.count)"
show ro-touch "$(res touch busy/new)"
show ro-append-held "$(res sh -c 'echo b >&5')"
show ro-read-held "$(res head -c 4 <&6)"
show ro-cat "$(res cat busy/r)"
rounds

phase 2 # /busy hidden
show hidden-ls "$(res ls busy)"
show hidden-append-held "$(res sh -c 'echo c >&5')"
show hidden-read-held "$(res cat <&6)"
rounds

phase 3 # /busy writable again
show rw-touch "$(res touch busy/new)"
show rw-append-held "$(res sh -c 'echo d >&5')"
rounds
: >/tmp/stop
wait $LOOP
show loop-ran "$([ "$(cat /tmp/loop.count)" -ge 12 ] && echo yes || cat /tmp/loop.count)"
show loop-errors "$(sed 's/.*: //' /tmp/loop.err | sort -u | tr '\n' ',')"
show rw-loop-after "$(res sh -c 'echo x >busy/f0 && mv busy/f0 busy/g0 && cat busy/g0')"
exec 5>&- 6<&-
[ "${STOP:-1}" = 1 ] || { echo "@@ done"; exit 0; }

# the stop: dd (coreutils' when added: it says how many bytes it wrote) streams 16-byte lines into big (4 KiB blocks, each a Twrite under cache=none) while the host stops
yes 0123456789abcde | head -c 4194304 >/tmp/pat
: >signal/ready-stop
t0=$(up)
DD=dd
[ -x /usr/bin/dd ] && DD=/usr/bin/dd
while cat /tmp/pat; do :; done | $DD of=big bs=4096 2>/tmp/dd.err
t1=$(up)
show dd-error "$(grep -i 'error' /tmp/dd.err | sed 's/.*: //' | head -n 1)"
show dd-bytes "$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' /tmp/dd.err)"
show dd-seconds "$(echo "$t0 $t1" | awk '{ printf "%d", $2 - $1 }')"
s=$(up)
show after-stat "$(res timeout 60 stat -c %s big)"
show after-stat-seconds "$(echo "$s $(up)" | awk '{ printf "%d", $2 - $1 }')"
show after-ls "$(res timeout 60 ls)"
# the host starts the gateway again meanwhile: this mount's connection is gone for good
sleep 15
show after-restart-ls "$(res timeout 60 ls)"
echo "@@ done"

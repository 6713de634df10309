# gateway-life-budget.sh - GuestGatewayLifeIT's audit disk budget run: files written until the gateway refuses
# (serve --audit-max-bytes small), then reads, and another write. "@@ NAME RESULT" as in gateway-life.sh.
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }

i=0
while [ $i -lt 5000 ] && out=$(sh -c "echo data-$i >w$i" 2>&1); do i=$((i + 1)); done
show written "$i"
show first-refusal "${out##*: }"
show read-host-file "$(res cat r)"
show read-own-file "$(res cat w0)"
show stat-own-file "$(res stat -c %s w0)"
show append-again "$(res sh -c 'echo more >>w0')"
show mkdir-again "$(res mkdir d)"
echo "@@ done"

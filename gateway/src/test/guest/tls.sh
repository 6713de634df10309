# tls.sh - a guest whose 9P connection is mutual TLS (run-guest.sh --tls-dir):
# the gateway knows the VM by its client certificate only (R-DEP-1).  Run INSIDE
# the test guest by busybox sh, as root, with cwd = the 9P mount, by GuestTlsIT.
#
# VIEW=a or VIEW=b: the VM whose certificate the harness presented; its only
# share holds one file, VIEW.txt, saying "VM VIEW's view", and nothing else.
# OTHER (optional, GuestTlsClaimsIT): the VM whose uname/aname the mount claims;
# its file OTHER.txt must not be reachable.
#
# Output is TAP-like ("ok N - name" / "not ok N - name: details", then "1..N").

N=0 FAILED=0
check() {
    name=$1; shift
    N=$((N + 1))
    out=$( ( set -e; "$@" ) 2>&1 )
    if [ $? -eq 0 ]; then
        echo "ok $N - $name"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $N - $name: $(echo "$out" | tail -3 | tr '\n' ' ')"
    fi
}
expect() {
    [ "$1" = "$2" ] || { echo "$3: expected '$2', got '$1'"; return 1; }
}

listing_is_the_certificates_vm() {
    expect "$(ls | tr '\n' ' ')" "$VIEW.txt " "root listing"
}
content_is_the_certificates_vm() {
    expect "$(cat "$VIEW.txt")" "VM $VIEW's view" "$VIEW.txt"
}
the_claimed_vms_file_is_not_there() {
    expect "$(cat "$OTHER.txt" 2>&1)" "cat: can't open '$OTHER.txt': No such file or directory" "$OTHER.txt"
}
written_file_reads_back() {
    echo "from $VIEW" > "written-by-$VIEW"
    expect "$(cat "written-by-$VIEW")" "from $VIEW" "written file"
}

check "the listing is VM $VIEW's" listing_is_the_certificates_vm
check "the content is VM $VIEW's" content_is_the_certificates_vm
[ -z "$OTHER" ] || check "VM $OTHER's file is not reachable" the_claimed_vms_file_is_not_there
check "a write through TLS reads back" written_file_reads_back
echo "1..$N"
[ "$FAILED" -eq 0 ]

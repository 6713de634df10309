# unmapped-chown.sh - chown and chgrp through the Linux client on a share of a VM without ids (GuestUnmappedChownIT).
# The client sends (u32)-1 in a Tsetattr field whose bit it leaves clear; the gateway refuses -1 only with the bit
# set (d13013b0), which these commands must never send: each must succeed.
group_only() {
    touch g
    chown :1000 g
    chgrp 1001 g
    expect "$(stat -c %g g)" "4294967294" "the group as shown (without a map every id is the overflow id)"
}
owner_only() {
    touch o
    chown 1000 o
    expect "$(stat -c %u o)" "4294967294" "the owner as shown"
}
both() {
    touch b
    chown 1000:1001 b
    chown 1002: b
}
check "chown :GID and chgrp GID" group_only
check "chown UID" owner_only
check "chown UID:GID and UID:" both
finish unmapped-chown

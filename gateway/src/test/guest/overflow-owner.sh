# overflow-owner.sh - host root's 0600 "topsecret" through the Linux client, in a share with permissions: guest
# (GuestOverflowOwnerIT).  The guest kernel checks access against the owner it is shown: that must be the overflow
# id 4294967294, not guest nobody (65534), who read, appended to and chmodded the file while the overflow id was
# 65534.  POSIX_HELPER is posix-helper ("as UID GID PROG ARG...").
H=${POSIX_HELPER:?POSIX_HELPER not set}

shown_as_overflow() {
    expect "$(stat -c %u:%g:%a topsecret)" "4294967294:4294967294:600" "host root's file as the guest sees it"
}
nobody_is_not_its_owner() {
    fails_with "denied" "nobody's read" "$H" as 65534 65534 cat topsecret
    fails_with "denied" "nobody's append" "$H" as 65534 65534 sh -c 'echo pwned >> topsecret'
    fails_with "not permitted" "nobody's chmod" "$H" as 65534 65534 chmod 0666 topsecret
    fails_with "not permitted" "nobody's touch -d" "$H" as 65534 65534 touch -d 2001-01-01 topsecret
}
# team: a host set-gid directory of host group 5000, outside the map.  The client names its shown group
# (4294967294) as a new entry's gid there: made in guest nobody's group, not refused (EOVERFLOW before).
creates_in_an_unmapped_set_gid_directory() {
    expect "$(stat -c %g:%a team)" "4294967294:2777" "the host set-gid directory as the guest sees it"
    "$H" as 1000 1000 touch team/f
    "$H" as 1000 1000 mkdir team/d
    expect "$(stat -c %u:%g team/f)" "1000:65534" "touch in it"
    expect "$(stat -c %u:%g team/d)" "1000:65534" "mkdir in it"
}
root_still_reads_it() {
    expect "$(cat topsecret)" "topsecret" "guest root's read"
}

check "host root's file shows as the overflow id (R-POL-5)" shown_as_overflow
check "guest nobody gets no owner rights on it" nobody_is_not_its_owner
check "a create in a set-gid directory of an unmapped group is made" creates_in_an_unmapped_set_gid_directory
check "guest root still reads it" root_still_reads_it
finish overflow-owner

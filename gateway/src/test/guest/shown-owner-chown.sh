# shown-owner-chown.sh - guest root's chgrp and chown of host files whose host owner or group the VM's map does not
# cover, shown as the overflow id (GuestShownOwnerChownIT). The client names the shown id for the field left alone.
chgrp_host_file() {
    chgrp 1000 hostroot-g
    expect "$(stat -c %u:%g hostroot-g)" "4294967294:1000" "the group changed, the owner as shown"
}
chown_host_file() {
    chown 1000 hostroot-u
    expect "$(stat -c %u:%g hostroot-u)" "1000:4294967294" "the owner changed, the group as shown"
}
unmapped_refused() {
    fails_with "invalid argument" "chown 70000" chown 70000 hostroot-x
    fails_with "invalid argument" "chgrp 70000" chgrp 70000 hostroot-x
    expect "$(stat -c %u:%g hostroot-x)" "4294967294:4294967294" "unchanged"
}
check "chgrp 1000 of host root's file" chgrp_host_file
check "chown 1000 of host root's file" chown_host_file
check "chown and chgrp to an unmapped id still refused" unmapped_refused
finish shown-owner-chown

# shown-owner-chown.sh - guest root's chgrp and chown of host files whose host owner or group the VM's map does not
# cover, shown as the overflow id (GuestShownOwnerChownIT). busybox's chown and chgrp call chown(2) with the shown id
# for the field left alone (the Tsetattr then sets both bits); chown(2) with -1 there, sets the group bit only.
chgrp_host_file() {
    chgrp 1000 hostroot-g
    expect "$(stat -c %u:%g hostroot-g)" "4294967294:1000" "the group changed, the owner as shown"
}
chown_host_file() {
    chown 1000 hostroot-u
    expect "$(stat -c %u:%g hostroot-u)" "1000:4294967294" "the owner changed, the group as shown"
}
group_syscall() {
    "$HOSTILE_HELPER" chown hostroot-s -1 1000
    expect "$(stat -c %u:%g hostroot-s)" "4294967294:1000" "chown(2) of the group alone"
}
unmapped_refused() {
    fails_with "invalid argument" "chown 70000" chown 70000 hostroot-x
    fails_with "invalid argument" "chgrp 70000" chgrp 70000 hostroot-x
    expect "$(stat -c %u:%g hostroot-x)" "4294967294:4294967294" "unchanged"
}
check "chgrp 1000 of host root's file" chgrp_host_file
check "chown 1000 of host root's file" chown_host_file
check "chown(f, -1, 1000), as coreutils' chgrp" group_syscall
check "chown and chgrp to an unmapped id still refused" unmapped_refused
finish shown-owner-chown

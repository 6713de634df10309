# dialect-boundaries.sh - GuestDialectBoundariesIT: PolicyFixture's alpha (/base read-only, /secret hidden, a
# 100,000-byte quota on /cache) through one dialect: links and renames across the read-only and hidden subtrees'
# borders, a symlink into the hidden one, and a write past the quota. Run INSIDE the guest by busybox sh, as root,
# cwd = the mount. Prints "@@ NAME VALUE" marks: the errno's name, or OK.

# mark, sum, outcome: marks.sh (the test puts it in front).

# the errno name COMMAND... fails with, or OK
err() {
    o=$(outcome "$@")
    case "$o" in
        OK) echo OK ;;
        *"Read-only file system"*) echo EROFS ;;
        *"Disk quota exceeded"*) echo EDQUOT ;;
        *"File exists"*) echo EEXIST ;;
        *:EACCES | *:EPERM | *:ENOENT) echo "${o#*:}" ;;
        *) echo "$o" ;;
    esac
}
echo t >t
mark ln-out-of-ro "$(err ln base/map.db linked)"
mark mv-out-of-ro "$(err mv base/map.db moved)"
mark ln-into-ro "$(err ln t base/t)"
mark mv-into-ro "$(err mv t base/t)"
mark ln-into-hidden "$(err ln t secret/t)"
mark mv-into-hidden "$(err mv t secret/t)"
mark cat-hidden "$(err cat secret/key)"
mark ls-hidden "$(err ls secret)"
mark ln-s-hidden "$(err ln -s secret/key sk)"
mark cat-via-symlink "$(err cat sk)"
mark ln-s-ro "$(err ln -s map.db base/s)"
mark dd-quota "$(err dd if=/dev/zero of=cache/big bs=1000 count=200)"
mark quota-size "$([ "$(stat -c %s cache/big)" -le 100000 ] && echo within)"
mark base-intact "$(cat base/map.db) $(ls base | tr '\n' ' ')"
mark root "$(ls -a | tr '\n' ' ')"
mark done 1

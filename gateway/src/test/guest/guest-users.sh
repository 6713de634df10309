# guest-users.sh - two guest users (uid 1000 and 1001, by util-linux setpriv, which the test adds: busybox's has no
# --reuid) on PolicyFixture's VM alpha (ids shifted by 100000 on the host), the mount's access mode given by the test
# (GuestUsersIT). Run INSIDE the guest by busybox sh, as root, cwd = the mount. Prints "@@ NAME VALUE" marks.

# mark, outcome: marks.sh (the test puts it in front).
as() { u=$1; shift; /usr/bin/setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }

mark access "$(sed -n 's/.*access=\([a-z0-9]*\).*/\1/p' /proc/mounts | head -1)"
mkdir users && chmod 1777 users
for u in 1000 1001; do
    mark "create-$u" "$(outcome as $u sh -c "echo mine-$u > users/f$u && chmod 600 users/f$u && mkdir users/d$u")"
done
mark owners "$(stat -c '%n:%u:%g:%a' users/f1000 users/f1001 users/d1000 users/d1001 | tr '\n' ' ')"
mark own-read "$(as 1000 cat users/f1000)"
mark other-read "$(outcome as 1001 cat users/f1000)"
mark other-write "$(outcome as 1001 sh -c 'echo x >> users/f1000')"
mark other-create-in-dir "$(outcome as 1001 touch users/d1000/x)"
mark other-unlink-sticky "$(outcome as 1001 rm -f users/f1000)"
mark other-chmod "$(outcome as 1001 chmod 666 users/f1000)"
mark other-chown "$(outcome as 1001 chown 1001 users/f1000)"
mark root-read "$(cat users/f1000)"
mark after "$(stat -c '%n:%u:%a:%s' users/f1000 | tr '\n' ' ')"
mark done 1

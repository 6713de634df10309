# denied-ops.sh - each system call family a policy refuses, made once by denied-ops-helper, and the errno the
# guest gets: EROFS in alpha's read-only /base, ENOENT in its hidden /secret, EACCES by its no-scripts deny rule
# (docs/policy.md). Run INSIDE the test guest by busybox sh, as root, cwd = the 9P mount, by GuestDeniedOpsIT,
# with marks.sh in front. The host made base/empty, base/sub/f and secret/sub/f beforehand.
#
# Output: "@@ NAME ERRNO-or-OK" a call, then "@@ done".

H=$DENIED_HELPER
try() { name=$1; shift; mark "$name" "$("$H" "$@")"; }

echo note >n1
# ---------------------------------------------------------------- read-only /base
try ro-open-write open-write base/map.db
try ro-open-trunc open-trunc base/map.db
try ro-creat creat base/new
try ro-mkdir mkdir base/d
try ro-rmdir rmdir base/empty
try ro-unlink unlink base/map.db
try ro-unlink-deep unlink base/sub/f
try ro-truncate truncate base/map.db
try ro-rename-within rename base/map.db base/m2
try ro-rename-out rename base/map.db moved
try ro-rename-dir-out rename base/sub sub-out
try ro-rename-in rename n1 base/n1
try ro-rename-root rename base based
try ro-link-in link n1 base/l
try ro-link-out link base/map.db linked
try ro-symlink symlink x base/s
try ro-chmod chmod base/map.db
try ro-chmod-root chmod base
try ro-chown chown base/map.db
try ro-utimes utimes base/map.db
try ro-setxattr setxattr base/map.db
try ro-removexattr removexattr base/map.db
try ro-mknod mknod base/fifo
try ro-rmdir-root rmdir base
mark ro-content "$(cat base/map.db)"
# ---------------------------------------------------------------- hidden /secret
try hd-stat stat secret
try hd-opendir opendir secret
try hd-stat-deep stat secret/sub/f
try hd-open-write open-write secret/key
try hd-creat creat secret/new
try hd-creat-name creat secret
try hd-mkdir mkdir secret/d
try hd-mkdir-name mkdir secret
try hd-rmdir rmdir secret
try hd-unlink unlink secret/key
try hd-truncate truncate secret/key
try hd-rename-out rename secret/key stolen
try hd-rename-dir rename secret sec2
try hd-rename-in rename n1 secret/n1
try hd-rename-onto rename n1 secret
try hd-link-out link secret/key k
try hd-link-onto link n1 secret
try hd-symlink-in symlink x secret/s
try hd-symlink-onto symlink x secret
try hd-chmod chmod secret
try hd-chown chown secret/key
try hd-utimes utimes secret/key
try hd-setxattr setxattr secret
try hd-removexattr removexattr secret/key
try hd-mknod mknod secret/f
try hd-mknod-name mknod secret
mark hd-listing "$(ls | tr '\n' ' ')"
# ---------------------------------------------------------------- deny rule: CREATE and OPEN_WRITE of /**/*.sh
echo x >plain
try dr-creat creat run.sh
try dr-mknod mknod run.sh
try dr-mkdir mkdir dir.sh
try dr-symlink symlink plain link.sh
try dr-link link plain hard.sh
try dr-rename rename plain moved.sh
mark dr-listing "$(ls | tr '\n' ' ')"
mark done 1

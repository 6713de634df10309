# dialect-workloads.sh - everyday workloads through the mount's dialect, for GuestDialectWorkloadsIT to compare
# 9P2000.L, 9P2000.u and 9P2000 on one gateway (PolicyFixture's alpha, share root = cwd). One "@@ NAME RESULT"
# line an attempt: OK:output (lines joined by ,) or the error.
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "ERR:${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }
mkdir w && cd w || exit 1

# mv over an existing file: the target's content is replaced, the source gone.
echo old > target; echo new > source
show mv-over "$(res mv source target)"
show mv-over-content "$(cat target) $(ls | tr '\n' ,)"

# rm of an open file, then I/O through the open descriptors (the fids outlive the name).
printf 0123456789 > open.txt
exec 3>>open.txt 4<open.txt
show rm-open "$(res rm open.txt)"
show rm-open-write "$(res sh -c 'printf ABC >&3')"
show rm-open-read "$(res sh -c 'cat <&4')"
show rm-open-gone "$(ls | grep -c open.txt)"
exec 3>&- 4<&-

# hard link, symlinks with targets inside and outside the share.
echo linked > orig
show ln "$(res ln orig hard)"
show ln-count "$(stat -c %h orig 2>&1) $(cat hard 2>&1)"
show ln-s-abs "$(res ln -s /etc/passwd abs)"
show ln-s-abs-read "$(readlink abs 2>&1)"
show ln-s-up "$(res ln -s ../../../../outside up)"
show ln-s-up-read "$(readlink up 2>&1)"
show ln-s-in "$(res ln -s orig rel)"
show ln-s-in-cat "$(cat rel 2>&1)"

# special files.
show mkfifo "$(res mkfifo -m 0640 fifo)"
show mkfifo-type "$(stat -c '%F %a' fifo 2>&1)"
show mknod-c "$(res mknod -m 0600 cdev c 1 3)"
show mknod-c-type "$(stat -c '%F %t:%T %a' cdev 2>&1)"
show mknod-b "$(res mknod -m 0600 bdev b 7 0)"
show mknod-b-type "$(stat -c '%F %t:%T %a' bdev 2>&1)"

# set-gid directory: what is made inside takes its group and (directories) its set-gid bit.
mkdir sg
show chmod-gs "$(res chmod g+s sg)"
show chmod-gs-mode "$(stat -c %a sg)"
mkdir sg/sub; : > sg/file
show gs-sub "$(stat -c %a sg/sub) $(stat -c %a sg/file)"

# times.
: > t
show touch-d "$(res env TZ=UTC0 touch -d '2001-02-03 04:05:06' t)"
show touch-d-m "$(stat -c %Y t)"
show host-1960 "$(stat -c %Y ../base/old)"

# large offsets and sparse files.
show dd-5g "$(res dd if=/dev/zero of=big bs=1M seek=5120 count=1)"
show dd-5g-size "$(stat -c %s big)"
printf XYZ > /tmp/xyz
show dd-5g-mark "$(res dd if=/tmp/xyz of=big bs=1 seek=$((5368709120 + 7)) conv=notrunc)"
show dd-5g-read "$(dd if=big bs=1 skip=$((5368709120 + 7)) count=3 2>/dev/null)"
show dd-4g-boundary "$(printf Q | dd of=big bs=1 seek=4294967295 conv=notrunc 2>/dev/null; dd if=big bs=1 skip=4294967294 count=3 2>/dev/null | od -An -c | tr -s ' ')"
show truncate-6g "$(res truncate -s 6G big) $(stat -c %s big)"
rm big
truncate -s 1M sparse
printf hole > /tmp/h
dd if=/tmp/h of=sparse bs=1 seek=500000 conv=notrunc 2>/dev/null
show sparse "$(stat -c %s sparse) $(dd if=sparse bs=1 skip=500000 count=4 2>/dev/null) $(dd if=sparse bs=1 skip=4 count=4 2>/dev/null | od -An -tx1 | tr -d ' ')"

# cp -a of a tree with dot entries, beside the share's hidden /secret.
mkdir -p tree/.dot/sub tree/d
echo a > tree/.hidden; echo b > tree/.dot/sub/f; echo c > tree/d/.x; ln -s .hidden tree/l
chmod 0700 tree/.dot
TZ=UTC0 touch -d '2002-01-01 00:00:00' tree/.hidden
show cp-a "$(res cp -a tree copy)"
show cp-a-list "$(cd copy && find . | sort | tr '\n' ,)"
show cp-a-modes "$(stat -c %a copy/.dot) $(stat -c %Y copy/.hidden) $(readlink copy/l)"
show cp-a-root "$(res cp -a .. /tmp/whole) $(cd /tmp/whole && ls -a | tr '\n' ,)"
show ls-a-root "$(ls -a .. | tr '\n' ,)"
cd ..
echo "@@ done"

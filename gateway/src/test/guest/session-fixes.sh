# session-fixes.sh - what a real user does with xattrs, set-id files and a big directory (GuestSessionFixesIT), in the
# mount and, for set-id, in a tmpfs of the guest's own as the reference. Run INSIDE the guest by busybox sh, as root,
# cwd = the mount; the test adds setpriv, getfattr, setfattr, coreutils ls, cp, stat, truncate and GNU tar, and made
# big/ on the host (BIG entries of 255-byte names); SKIP_SETID=1 leaves the set-id steps out. Prints "@@ NAME VALUE" marks.

# mark, outcome: marks.sh (the test puts it in front).
as() { u=$1; shift; /usr/bin/setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }
attrs() { /usr/bin/getfattr --absolute-names -d "$@" 2>&1 | grep -v '^#' | tr '\n' ' '; }

mark time-start "$(cut -d" " -f1 /proc/uptime)"
# xattrs: files, directories, symlinks, cp -a, tar --xattrs, ls -l
echo data > x
mark xattr-set "$(outcome /usr/bin/setfattr -n user.x -v one x)"
mark xattr-dump "$(attrs x)"
mark xattr-only "$(/usr/bin/getfattr --only-values -n user.x x 2>&1)"
mark xattr-ls "$(outcome /usr/bin/ls -l x)"
mark xattr-lsdir "$(/usr/bin/ls -l . >/dev/null 2>/tmp/lserr; echo $?:$(cat /tmp/lserr))"
mkdir xd
mark xattr-dir-set "$(outcome /usr/bin/setfattr -n user.d -v two xd)"
mark xattr-dir-dump "$(attrs xd)"
ln -s x xl
mark xattr-link-set "$(outcome /usr/bin/setfattr -h -n user.l -v three xl)"
mark xattr-link-dump "$(attrs -h xl)"
mark xattr-via-link "$(attrs xl)"
mark xattr-cp-a "$(outcome /usr/bin/cp -a x x2)"
mark xattr-cp-a-dump "$(attrs x2)"
mark xattr-cp-dir "$(outcome /usr/bin/cp -a xd xd2)"
mark xattr-cp-dir-dump "$(attrs xd2)"
mark xattr-tar-c "$(outcome /usr/bin/tar --xattrs --xattrs-include='user.*' -cf /tmp/x.tar x xd)"
mkdir untar
mark xattr-tar-x "$(outcome /usr/bin/tar --xattrs --xattrs-include='user.*' -xf /tmp/x.tar -C untar)"
mark xattr-tar-dump "$(attrs untar/x untar/xd)"
mark xattr-remove "$(outcome /usr/bin/setfattr -x user.x x)"
mark xattr-removed "$(attrs x)"
mark xattr-remove-again "$(outcome /usr/bin/setfattr -x user.x x)"
mark xattr-all "$(/usr/bin/getfattr -d -m - x2 2>&1 | grep -v '^#' | tr '\n' ' ')"

bytes() { i=0; while [ $i -lt 16 ]; do cat /init; i=$((i+1)); done | head -c "$1"; }
for n in 4000 65536; do # values past one Twrite of diod's 64 KiB msize, by setfattr --restore (no argv limit)
    touch "xb$n"
    { echo "# file: xb$n"; echo "user.big=0s$(bytes $n | base64 | tr -d '\n')"; } >/tmp/dump$n
    mark "xattr-big-$n-set" "$(outcome /usr/bin/setfattr --restore=/tmp/dump$n)"
    mark "xattr-big-$n-get" "$(/usr/bin/getfattr --only-values -n user.big "xb$n" 2>&1 | sum):$(bytes $n | sum)"
done
mark time-xattr "$(cut -d" " -f1 /proc/uptime)"
# set-id: each step on a fresh file, in the mount and in the guest's tmpfs (the reference)
mkdir -p /ref && mount -t tmpfs tmpfs /ref && chmod 1777 /ref
mkdir sid && chmod 1777 sid
step() { # DIR USER MODE STEP
    f=$1/$4-$2-$3
    as "$2" sh -c "echo seed > $f && chmod $3 $f"
    case $4 in
        write) as "$2" sh -c "printf x | dd of=$f conv=notrunc 2>/dev/null" ;;
        redirect) as "$2" sh -c ": > $f" ;;
        truncate) as "$2" /usr/bin/truncate -s 1 "$f" ;;
        grow) as "$2" /usr/bin/truncate -s 100 "$f" ;;
        append) as "$2" sh -c "echo y >> $f" ;;
        cp) as "$2" /usr/bin/cp /init "$f" ;;
        chmod) as "$2" sh -c "echo y >> $f && chmod $3 $f" ;;
        none) ;;
    esac
    /usr/bin/stat -c '%a:%s' "$f"
}
if [ -z "$SKIP_SETID" ]; then for u in 0 1000; do
    for m in 4755 2755 2745; do
        for s in none write redirect truncate grow append cp chmod; do
            mark "sid-$u-$m-$s" "$(step sid $u $m $s)"
            mark "ref-$u-$m-$s" "$(step /ref $u $m $s)"
        done
        for d in sid /ref; do # cp -a copies the xattrs it lists, then the mode: the kept bits are not listed
            as "$u" /usr/bin/cp -a "$d/none-$u-$m" "$d/cpa-$u-$m"
            mark "$(echo "$d" | tr -d /)-$u-$m-cpa" "$(/usr/bin/stat -c '%a:%s' "$d/cpa-$u-$m")"
        done
        mark "listed-$u-$m" "$(attrs -m - "sid/none-$u-$m" "sid/cpa-$u-$m")"
    done
done; fi

mark time-setid "$(cut -d" " -f1 /proc/uptime)"
# a big directory: listed whole, by two readers at once, and while another process creates and removes entries
/usr/bin/ls -f big >/tmp/r0
mark big-ls "$(wc -l </tmp/r0)"
mark big-names "$(grep -c '^s.\{254\}$' /tmp/r0)"
mark big-find "$(find big | wc -l)"
/usr/bin/ls -f big >/tmp/r1 & /usr/bin/ls -f big >/tmp/r2 & wait
mark big-two "$(wc -l </tmp/r1):$(wc -l </tmp/r2):$(sort /tmp/r1 | uniq -d | wc -l)"
( i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); : > big/c$i; [ $i -gt 1 ] && rm big/c$((i-1)); done; echo $i >/tmp/churned ) &
churn=$!
bad=
for r in 1 2; do
    /usr/bin/ls -f big >/tmp/r
    stable=$(grep -c '^s' /tmp/r)
    dups=$(sort /tmp/r | uniq -d | wc -l)
    if [ "$stable" != "$BIG" ] || [ "$dups" != 0 ]; then bad="$bad $r:$stable:$dups"; fi
done
touch /tmp/stop; wait $churn
mark big-churn-reads "$bad"
mark big-churned "$(test "$(cat /tmp/churned)" -gt 5 && echo yes)"
mark big-after "$(/usr/bin/ls -f big | wc -l)"
mark time-big "$(cut -d" " -f1 /proc/uptime)"
mark done 1

# policy-workloads.sh - GuestPolicyWorkloadsIT: PolicyFixture's VM alpha (/base read-only, /secret hidden, /cache
# limited to 100000 bytes and 4 inodes, no *.sh writes) through what users run: cp -a, tar x and the steps of an
# rsync-like update (temp file, then rename over the target), with busybox only. The host made src/ (a tree: two
# files, a subdirectory with a file, a symlink) and base/f. Run INSIDE the guest by busybox sh, as root, cwd = the
# mount. Prints "@@ NAME VALUE" marks: STATUS:ERRNO, the errno named by the message the docs promise.

# mark, sum: marks.sh (the test puts it in front).

errno() { # COMMAND...: OK, or STATUS:ERRNO of the first line it printed (a tar goes on past a refused mkdir
    # and fails at the member below it with ENOENT: the first refusal is the policy's)
    "$@" >/tmp/out 2>&1
    status=$?
    if [ $status -eq 0 ]; then echo OK; return; fi
    case "$(head -1 /tmp/out)" in
        *"Read-only file system"*) echo "$status:EROFS" ;;
        *"Disk quota exceeded"*) echo "$status:EDQUOT" ;;
        *"No such file"*) echo "$status:ENOENT" ;;
        *"Permission denied"*) echo "$status:EACCES" ;;
        *) echo "$status:$(head -1 /tmp/out)" ;;
    esac
}
tar cf /tmp/src.tar src
mkdir -p /tmp/tx/secret /tmp/tx/base && echo s >/tmp/tx/secret/x && echo b >/tmp/tx/base/x
(cd /tmp/tx && tar cf /tmp/ro.tar base && tar cf /tmp/hid.tar secret)

# read-only /base
mark ro-cp-a "$(errno cp -a src base/copy)"
mark ro-tar-x "$(errno tar xf /tmp/src.tar -C base)"
mark ro-tar-member "$(errno tar xf /tmp/ro.tar)"
echo new >/tmp/f.new
mark ro-sync-temp "$(errno cp /tmp/f.new base/.f.tmp)"
echo new >.f.tmp
mark ro-sync-rename "$(errno mv .f.tmp base/f)"
mark ro-f "$(cat base/f)"
mark ro-touch-a "$(errno touch -c -d 2000-01-01 base/f)"
mark ro-list "$(ls -A base | tr '\n' ' ')"

# hidden /secret: its name is free to no one
mark hid-cp-a "$(errno cp -a src secret)"
mark hid-cp-a-in "$(errno cp -a src secret/copy)"
mark hid-tar-member "$(errno tar xf /tmp/hid.tar)"
mark hid-mv "$(errno mv .f.tmp secret)"
mark hid-root "$(ls -A | grep -c '^secret$')"
mark hid-tar-c "$(tar cf - . 2>/dev/null | tar tf - | grep -c secret)"

# quota on /cache: 100000 bytes, 4 inodes
mark q-cp-a "$(errno cp -a src cache/c1)"
mark q-tar-x "$(errno tar xf /tmp/src.tar -C cache)"
dd if=/dev/zero of=/tmp/big bs=1000 count=120 2>/dev/null
mark q-sync-temp "$(errno cp /tmp/big cache/.big.tmp)"
mark q-files "$(cd cache && find . | sort | tr '\n' ' ')"
mark q-bytes "$(cd cache && find . -type f -exec cat {} + | wc -c)"
mark done 1

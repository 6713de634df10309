# marks.sh - the "@@ NAME VALUE" helpers of the guest scripts that report marks (GuestResult.marks()). Not run alone:
# RepoPaths.composed puts it in front of a script (the harness sends the guest one file).
#
# mark NAME VALUE: one mark. sum: the md5 of stdin. outcome COMMAND...: "OK", or "STATUS:ERRNO" of the failure, the
# errno read from its message (EACCES, EPERM, ENOENT), else the message itself. dropped_until_not FORMAT FILE CACHED:
# drops the guest's caches until stat -c FORMAT FILE is no longer CACHED, at most 150 passes 0.2 s apart
# (drop_caches evicts only an unused, clean inode, and a file just closed may still be busy on a loaded machine: its
# fid is clunked asynchronously, its pages written back; at load 27 diod's guest still held the old size after 21
# passes, session 44); a server that never shows the host's change still fails. Says the passes on stderr.

mark() { echo "@@ $1 $2"; }
sum() { md5sum | cut -d' ' -f1; }
outcome() {
    "$@" >/tmp/out 2>&1
    status=$?
    if [ $status -eq 0 ]; then echo OK; return; fi
    case "$(cat /tmp/out)" in
        *"Permission denied"*) echo "$status:EACCES" ;;
        *"Operation not permitted"*) echo "$status:EPERM" ;;
        *"No such file"*) echo "$status:ENOENT" ;;
        *) echo "$status:$(tr '\n' ' ' </tmp/out)" ;;
    esac
}

dropped_until_not() {
    passes=1
    echo 3 >/proc/sys/vm/drop_caches
    while [ "$(stat -c "$1" "$2")" = "$3" ] && [ $passes -lt 150 ]; do
        sleep 0.2
        echo 3 >/proc/sys/vm/drop_caches
        passes=$((passes + 1))
    done
    echo "drop_caches passes for $2: $passes" >&2
}

# marks.sh - the "@@ NAME VALUE" helpers of the guest scripts that report marks (GuestResult.marks()). Not run alone:
# RepoPaths.composed puts it in front of a script (the harness sends the guest one file).
#
# mark NAME VALUE: one mark. sum: the md5 of stdin. outcome COMMAND...: "OK", or "STATUS:ERRNO" of the failure, the
# errno read from its message (EACCES, EPERM, ENOENT), else the message itself.

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


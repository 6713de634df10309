# open-files.sh - GuestOpenFilesIT's guest: calls through descriptors whose names moved or went (renamed over,
# unlinked, renamed, in a renamed or a removed directory), O_DIRECT at odd offsets and UTIME_OMIT, made by
# open-files-helper in VM a's share (cache=none) and in its /q under a quota. Run INSIDE the guest by busybox sh, as
# root, cwd = the mount. Prints "@@ NAME VALUE" marks, each folder's under its own prefix.

# mark, sum, outcome: marks.sh (the test puts it in front).

H=${OF_HELPER:?OF_HELPER not set}
# steps PREFIX DIR
steps() {
    mkdir -p "$2"
    "$H" "$2" | sed "s/^@@ /@@ $1-/"
    mark "$1-left" "$(ls "$2" | tr '\n' ' ')"
    mark "$1-b" "$(cat "$2/b")"
}
steps p9 of
steps p9q q/of
mark done 1

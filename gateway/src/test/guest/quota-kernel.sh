# quota-kernel.sh - GuestQuotaToolsIT: alpha's /cache limited to 3 MiB (4 inodes), mounted cache=none
# at msize 1 MiB, filled by the tools a guest has: dd of 1 MiB writes, a sparse truncate and a write past its end,
# mv and ln of a file from outside the scope. One line per attempt: "@@ NAME RESULT" (OK:output or the error).
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }

show dd-past "$(res dd if=/dev/zero of=cache/dd bs=1M count=8)"
show dd-size "$(stat -c %s cache/dd)"
rm cache/dd
show sparse-10g "$(res truncate -s 10G cache/sparse)"
show sparse-1m "$(res truncate -s 1M cache/sparse)"
show sparse-end "$(res dd if=/dev/zero of=cache/sparse bs=1M seek=2 count=1 conv=notrunc)"
show sparse-past "$(res dd if=/dev/zero of=cache/sparse bs=1M seek=3 count=1 conv=notrunc)"
show sparse-size "$(stat -c %s cache/sparse)"
# stat -f asks Tstatfs of cache itself (busybox df would ask the mount point's, the share root's figures)
show statfs-full "$(stat -f -c '%a free of %b * %S' cache)"
dd if=/dev/zero of=big bs=1M count=2 2>/dev/null
show mv-in-full "$(res mv big cache/big)"
show ln-in "$(res ln big cache/linked)"
rm cache/sparse
show mv-in-room "$(res mv big cache/big)"
show mv-in-size "$(stat -c %s cache/big)"
show cache-left "$(ls cache | tr '\n' ',')"
echo "@@ done"

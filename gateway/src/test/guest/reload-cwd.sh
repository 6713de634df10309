# reload-cwd.sh - GuestReloadCwdIT: a shell whose cwd is inside /gone, with gone/f read (dentry, attributes and
# pages cached) and it and gone/sub/g held open, while the host makes /gone hidden and /ro read-only (hold-ready, then signal/go).
# Afterwards every use of the cwd and the cached names, and reserved xattr names from the guest.
# One line per attempt: "@@ NAME RESULT", RESULT being OK:output or the error text after the last ": ".
res() { if out=$("$@" 2>&1); then echo "OK:$(echo "$out" | tr '\n' ',')"; else echo "${out##*: }" | tr '\n' ' '; fi; }
show() { echo "@@ $1 $2"; }

cat gone/f >/dev/null && ls gone >/dev/null && cat gone/sub/g >/dev/null && stat ro/f >/dev/null
exec 3<gone/f
exec 4<gone/sub/g
cd gone || exit 1
: >../hold-ready
until [ -e ../signal/go ]; do sleep 0.1; done

show cwd-ls "$(res ls .)"
show cwd-cat "$(res cat ./f)"
show cwd-cat-sub "$(res cat sub/g)"
show cwd-touch "$(res touch ./new)"
show cwd-mkdir "$(res mkdir ./newdir)"
show cwd-mv "$(res mv ./f ../stolen)"
show cwd-ln "$(res ln ./f ../linked)"
show held-read-cached "$(res cat <&3)"
echo 3 >/proc/sys/vm/drop_caches
show held-read-dropped "$(res cat <&4)"
exec 3<&- 4<&-
cd .. || exit 1
show root-ls "$(res ls)"
show root-ls-gone "$(res ls gone)"
show root-cat "$(res cat gone/f)"
show ro-touch "$(res touch ro/f)"
show ro-rm "$(res rm ro/f)"
show ro-new "$(res touch ro/new)"

# a directory moved into its own child
mkdir -p d1/d2
show mv-into-child "$(res mv d1 d1/d2/)"
rm -r d1

# reserved names: a file whose set-uid bit the gateway keeps in user.p9gate.setid (chown mode)
: >sx && chmod 4755 sx
show setid-mode "$(stat -c %a sx)"
show xattr-list "$(getfattr -d -m - sx 2>&1 | grep -c p9gate)"
show xattr-get "$(res getfattr -n user.p9gate.setid sx)"
show xattr-remove "$(res setfattr -x user.p9gate.setid sx)"
show setid-mode-after "$(stat -c %a sx)"
echo "@@ done"

#!/usr/bin/env bash
# posix-against.sh - run posix.sh in the test guest against diod or p9gate
# serving a fresh directory, with the extra tools posix.sh needs.
#
# usage: posix-against.sh diod|p9gate [run-guest.sh options, e.g. --mount-opts cache=loose]
# env:   P9GATE_GUEST_DIR (default: the nearest ancestor's shared/guest), READDIR_N (10000)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
. "$HERE/servers.sh"
SERVER_KIND=${1:?usage: posix-against.sh diod|p9gate [run-guest options]}; shift

GUEST_DIR=${P9GATE_GUEST_DIR:-}
if [ -z "$GUEST_DIR" ]; then
    d=$ROOT
    while [ "$d" != / ]; do d=$(dirname "$d"); [ -x "$d/shared/guest/run-guest.sh" ] && { GUEST_DIR=$d/shared/guest; break; }; done
fi
[ -x "${GUEST_DIR:-}/run-guest.sh" ] || { echo "posix-against: no shared/guest/run-guest.sh found (set P9GATE_GUEST_DIR)" >&2; exit 125; }

# The fcntl/fstat helper: static, so the guest needs no libc for it.  Not
# under /tmp: the guest mounts a tmpfs there, hiding --add-bin files.
BIN=$ROOT/gateway/target/guest-bin
mkdir -p "$BIN"
gcc -static -O2 -o "$BIN/posix-helper" "$HERE/posix-helper.c"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/posix-against.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
EXPORT=$(make_export "$WORK")
N=${READDIR_N:-10000}
mkdir "$EXPORT/readdir-fixture"
(cd "$EXPORT/readdir-fixture" && seq 0 $((N - 1)) | sed 's/^/e/' | xargs touch)

case "$SERVER_KIND" in
    diod)   start_diod "$EXPORT" "$WORK/server.log" ;;
    p9gate) start_p9gate "$ROOT" posix "$EXPORT" "$WORK/server.log" ;;
    *) echo "posix-against: unknown server '$SERVER_KIND'" >&2; exit 2 ;;
esac
set +e
"$GUEST_DIR/run-guest.sh" --server "$SERVER_ADDR" --aname "$SERVER_ANAME" --script "$HERE/posix.sh" \
    --add-bin /usr/bin/flock --add-bin /usr/bin/setfattr --add-bin /usr/bin/getfattr \
    --add-bin "$BIN/posix-helper" --env POSIX_HELPER="$BIN/posix-helper" \
    --env READDIR_DIR=readdir-fixture --env READDIR_N="$N" --timeout 300 "$@"
RC=$?
set -e
exit $RC

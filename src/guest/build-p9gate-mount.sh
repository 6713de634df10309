#!/bin/sh
# build-p9gate-mount.sh [--optional] OUT - build the static guest helper src/guest/p9gate-mount.c into OUT.
# --optional (the Maven build): without gcc, say so and build nothing, so the gateway still builds and runs on a
# developer machine without a C compiler; `p9gate package` then refuses, naming the missing helper.
# Static (gcc -static): the guest may have no libc of its own, or another one (docs/deploy.md, "How a guest
# reaches the gateway"). Stripped, without build paths, so the same gcc and libc give the same bytes: the
# package manifest carries its SHA-256. Called by Maven (gateway, phase package) and by the tests.
set -eu
OPTIONAL=false
[ "${1:-}" = --optional ] && { OPTIONAL=true; shift; }
[ $# -eq 1 ] || { echo "usage: build-p9gate-mount.sh [--optional] OUT" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
if ! command -v gcc >/dev/null 2>&1 && $OPTIONAL; then
    echo "build-p9gate-mount.sh: gcc not found: the guest helper is not built (p9gate package needs it; install gcc and libc6-dev)" >&2
    exit 0
fi
command -v gcc >/dev/null 2>&1 || { echo "build-p9gate-mount.sh: gcc not found: install gcc and libc6-dev (Debian) to build the guest helper" >&2; exit 1; }
mkdir -p "$(dirname "$1")"
# Build beside OUT and rename: a reader never sees half a binary.
gcc -static -O2 -s -Wall -Wextra -Werror -ffile-prefix-map="$HERE"=. -o "$1.tmp" "$HERE/p9gate-mount.c" \
    || { rm -f "$1.tmp"; echo "build-p9gate-mount.sh: gcc -static failed (install libc6-dev for the static libc)" >&2; exit 1; }
mv "$1.tmp" "$1"

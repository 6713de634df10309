#!/usr/bin/env bash
# find-jdk-test.sh - tests for find-jdk.sh's discovery order, with fake JDK
# homes whose bin/java only prints a version.  TAP-like output; exit 1 on
# any failure.  Run by LauncherScriptsTest (gateway tests) and by hand.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
N=0 FAILED=0

# A PATH with only the tools find-jdk.sh needs, so the host's own java
# never leaks into a case.
mkdir "$T/tools"
for tool in dirname readlink grep sed cat; do ln -s "$(command -v $tool)" "$T/tools/$tool"; done

fake_jdk() {  # DIR VERSION-LINE [release JAVA_VERSION]
    mkdir -p "$1/bin"
    printf '#!/bin/sh\necho '\''%s'\'' >&2\n' "$2" >"$1/bin/java"
    chmod +x "$1/bin/java"
    [ -z "${3:-}" ] || printf 'JAVA_VERSION="%s"\n' "$3" >"$1/release"
}
fake_jdk "$T/jvm/jdk-17" 'openjdk version "17.0.15" 2025-04-15'
fake_jdk "$T/jvm/jdk-25" 'openjdk version "25.0.1" 2025-10-21'
fake_jdk "$T/jvm/jdk-26" 'openjdk version "26-ea" 2026-03-17'
fake_jdk "$T/jvm/jdk-8"  'java version "1.8.0_412"'
fake_jdk "$T/home/jdk-25" 'openjdk version "25" 2025-09-16'
fake_jdk "$T/home/jdk-21" 'openjdk version "21.0.2" 2024-01-16'
fake_jdk "$T/home/rel-25" 'openjdk version "11.0.1"' '25.0.2'
fake_jdk "$T/path/jdk-25" 'openjdk version "25.0.1" 2025-10-21'
mkdir -p "$T/pathbin" && ln -s "$T/path/jdk-25/bin/java" "$T/pathbin/java"
mkdir -p "$T/path21" && ln -s "$T/home/jdk-21/bin/java" "$T/path21/java"
mkdir -p "$T/jvm-old" && cp -r "$T/jvm/jdk-17" "$T/jvm/jdk-8" "$T/jvm-old/"

# discover JAVA_HOME PATH JVM_DIR: prints the chosen JAVA_HOME or "FAIL:<stderr>"
discover() {
    env -i JAVA_HOME="$1" PATH="$2" P9GATE_JVM_DIR="$3" "$BASH" -c '
        . "$0"; if p9gate_find_jdk 2>"$1"; then echo "$JAVA_HOME"; else echo "FAIL:$(cat "$1")"; fi
    ' "$ROOT/src/bin/find-jdk.sh" "$T/err"
}
expect() {  # NAME ACTUAL EXPECTED
    N=$((N + 1))
    if [ "$2" = "$3" ]; then echo "ok $N - $1"; else FAILED=$((FAILED + 1)); echo "not ok $N - $1: expected '$3', got '$2'"; fi
}

expect "JAVA_HOME >= 25 wins" "$(discover "$T/home/jdk-25" "$T/pathbin:$T/tools" "$T/jvm")" "$T/home/jdk-25"
expect "old JAVA_HOME skipped, java on PATH next" "$(discover "$T/home/jdk-21" "$T/pathbin:$T/tools" "$T/jvm")" "$T/path/jdk-25"
expect "old PATH java skipped, newest in JVM dir" "$(discover "$T/home/jdk-21" "$T/path21:$T/tools" "$T/jvm")" "$T/jvm/jdk-26"
expect "no JAVA_HOME, no java on PATH" "$(discover "" "$T/tools" "$T/jvm")" "$T/jvm/jdk-26"
expect "release file read without starting java" "$(discover "$T/home/rel-25" "$T/tools" "$T/jvm-old")" "$T/home/rel-25"
expect "JAVA_HOME without bin/java skipped" "$(discover "$T/nowhere" "$T/pathbin:$T/tools" "$T/jvm-old")" "$T/path/jdk-25"
out=$(discover "$T/home/jdk-21" "$T/path21:$T/tools" "$T/jvm-old")
expect "nothing >= 25: one-line error" "$(printf '%s\n' "$out" | grep -c '^FAIL:p9gate: no JDK >= 25 found')" 1
expect "nothing >= 25: 1.8 parsed as 8, not chosen" "${out%%:*}" FAIL

# java on PATH is a link (/usr/bin/java -> /etc/alternatives/java -> the JDK's): followed without the readlink and
# dirname a PATH names, which here fail after printing another directory.
mkdir -p "$T/hostile"
for tool in readlink dirname; do printf '#!/bin/sh\necho "$0"\nexit 1\n' >"$T/hostile/$tool"; chmod +x "$T/hostile/$tool"; done
mkdir -p "$T/alternatives" "$T/usrbin" && ln -s "$T/path/jdk-25/bin/java" "$T/alternatives/java" && ln -s ../alternatives/java "$T/usrbin/java"
expect "java on PATH through two links, readlink and dirname on PATH failing" \
    "$(discover "" "$T/hostile:$T/usrbin:$T/tools" "$T/jvm-old")" "$T/path/jdk-25"

major() { env -i PATH="$T/tools" "$BASH" -c '. "$0"; p9gate_java_major "$1"' "$ROOT/src/bin/find-jdk.sh" "$1"; }
expect "version 1.8.0_412 is 8" "$(major "$T/jvm/jdk-8/bin/java")" 8
expect "version 26-ea is 26" "$(major "$T/jvm/jdk-26/bin/java")" 26
expect "version 25 is 25" "$(major "$T/home/jdk-25/bin/java")" 25
# A JDK without a release file is asked (java -version) and its answer read with the system's grep, not PATH's.
mkdir -p "$T/hostile-grep"; printf '#!/bin/sh\nexit 1\n' >"$T/hostile-grep/grep"; chmod +x "$T/hostile-grep/grep"
expect "a PATH whose grep fails: version 26-ea is still 26" \
    "$(env -i PATH="$T/hostile-grep:$T/tools" "$BASH" -c '. "$0"; p9gate_java_major "$1"' "$ROOT/src/bin/find-jdk.sh" "$T/jvm/jdk-26/bin/java")" 26

# The launcher itself: without a JDK it says so in one line and exits 1.
launcher_err=$(env -i PATH="$T/tools" P9GATE_JVM_DIR="$T/jvm-old" "$BASH" "$ROOT/p9gate" --help 2>&1 >/dev/null)
launcher_rc=$?
expect "./p9gate without a JDK exits 1" "$launcher_rc" 1
expect "./p9gate without a JDK prints one line" "$(printf '%s\n' "$launcher_err" | wc -l | tr -d ' ')" 1

echo "1..$N"
echo "# find-jdk: $N checks, $FAILED failed"
[ "$FAILED" -eq 0 ]

# find-jdk.sh - sourced (bash) by ./p9gate, ./run-tests and .ci/run: find a
# JDK >= P9GATE_MIN_JAVA (25) without the user having to set anything.
#
# Order: $JAVA_HOME if it is new enough, then `java` on PATH, then the
# newest sufficient JDK under $P9GATE_JVM_DIR (default /usr/lib/jvm).
# On success p9gate_find_jdk sets and exports JAVA_HOME and prints nothing;
# on failure it prints one line on stderr and returns 1.

P9GATE_MIN_JAVA=${P9GATE_MIN_JAVA:-25}

# p9gate_java_major JAVA_BINARY: print its feature version (8 for 1.8.0_x).
# The `release` file of the JDK is read when present (no JVM start).
p9gate_java_major() {
    local java=$1 home line version
    home=$(cd "$(dirname "$java")/.." 2>/dev/null && pwd) || return 1
    if [ -r "$home/release" ]; then
        line=$(grep -m1 '^JAVA_VERSION=' "$home/release" 2>/dev/null || true)
    fi
    if [ -z "${line:-}" ]; then
        [ -x "$java" ] || return 1
        line=$("$java" -version 2>&1 | grep -m1 -E 'version "' || true)
    fi
    version=$(printf '%s\n' "$line" | sed -n 's/.*"\([0-9][0-9._+a-z-]*\)".*/\1/p')
    [ -n "$version" ] || return 1
    case "$version" in
        1.*) version=${version#1.} ;;
    esac
    printf '%s\n' "${version%%[!0-9]*}"
}

# p9gate_home_ok DIR: true if DIR/bin/java exists and is new enough.
p9gate_home_ok() {
    local major
    [ -n "$1" ] && [ -x "$1/bin/java" ] || return 1
    major=$(p9gate_java_major "$1/bin/java") || return 1
    [ -n "$major" ] && [ "$major" -ge "$P9GATE_MIN_JAVA" ]
}

p9gate_find_jdk() {
    local candidate best="" best_major=0 major java
    if [ -n "${JAVA_HOME:-}" ] && p9gate_home_ok "$JAVA_HOME"; then
        export JAVA_HOME; return 0
    fi
    if java=$(command -v java 2>/dev/null); then
        candidate=$(cd "$(dirname "$(readlink -f "$java")")/.." && pwd)
        if p9gate_home_ok "$candidate"; then
            export JAVA_HOME=$candidate; return 0
        fi
    fi
    for candidate in "${P9GATE_JVM_DIR:-/usr/lib/jvm}"/*; do
        [ -d "$candidate" ] || continue
        p9gate_home_ok "$candidate" || continue
        major=$(p9gate_java_major "$candidate/bin/java")
        if [ "$major" -gt "$best_major" ]; then best=$candidate best_major=$major; fi
    done
    if [ -n "$best" ]; then
        export JAVA_HOME=$best; return 0
    fi
    echo "p9gate: no JDK >= $P9GATE_MIN_JAVA found (checked JAVA_HOME, java on PATH, ${P9GATE_JVM_DIR:-/usr/lib/jvm}/*); install one or set JAVA_HOME" >&2
    return 1
}

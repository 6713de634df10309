# find-jdk.sh - sourced (bash) by ./p9gate, ./run-tests and .ci/run: find a
# JDK >= P9GATE_MIN_JAVA (25) without the user having to set anything.
#
# Order: $JAVA_HOME if it is new enough, then `java` on PATH, then the
# newest sufficient JDK under $P9GATE_JVM_DIR (default /usr/lib/jvm).
# On success p9gate_find_jdk sets and exports JAVA_HOME and prints nothing;
# on failure it prints one line on stderr and returns 1.

P9GATE_MIN_JAVA=${P9GATE_MIN_JAVA:-25}

# p9gate_java_major JAVA_BINARY: print its feature version (8 for 1.8.0_x).
p9gate_java_major() {
    p9gate_read_major "$1" && printf '%s\n' "$P9GATE_MAJOR"
}

# p9gate_read_major JAVA_BINARY: set P9GATE_MAJOR to its feature version. The `release` file of the JDK is
# read when present (no JVM start), in bash alone: every tool start runs this, and on a busy VM each process
# the launcher starts costs it ~10 ms of CPU (docs/performance.md, "Start-up of the tools").
p9gate_read_major() {
    local java=$1 line="" version l
    P9GATE_MAJOR=
    case "$java" in */*) ;; *) java=./$java ;; esac
    if [ -r "${java%/*}/../release" ]; then
        while IFS= read -r l || [ -n "$l" ]; do
            case "$l" in JAVA_VERSION=*) line=$l; break ;; esac
        done <"${java%/*}/../release"
    fi
    if [ -z "$line" ]; then
        [ -x "$java" ] || return 1
        line=$("$java" -version 2>&1 | command -p grep -m1 -E 'version "' || true)  # the system's grep, not PATH's
    fi
    # The quoted version: "25.0.1", "26-ea", "1.8.0_412".
    case "$line" in *'"'[0-9]*'"'*) ;; *) return 1 ;; esac
    version=${line#*\"}
    version=${version%%\"*}
    case "$version" in
        1.*) version=${version#1.} ;;
    esac
    version=${version%%[!0-9]*}
    [ -n "$version" ] || return 1
    P9GATE_MAJOR=$version
}

# p9gate_home_ok DIR: true if DIR/bin/java exists and is new enough.
p9gate_home_ok() {
    [ -n "$1" ] && [ -x "$1/bin/java" ] || return 1
    p9gate_read_major "$1/bin/java" || return 1
    [ -n "$P9GATE_MAJOR" ] && [ "$P9GATE_MAJOR" -ge "$P9GATE_MIN_JAVA" ]
}

# p9gate_physical_dir FILE: print the directory FILE is in, after every symbolic link (FILE's own, one at a time,
# then the directory's, by cd -P), or return 1. Only shell built-ins and readlink without -f (busybox's may lack
# it), and that readlink from the system's default PATH (command -p): a caller's PATH may name any readlink or
# dirname, and with one that failed the launchers stopped without a word or looked for the checkout elsewhere.
# ./p9gate and ./run-tests carry a copy, which they need to find this file.
p9gate_physical_dir() {
    local self=$1 link hops=0
    while [ -L "$self" ]; do
        hops=$((hops + 1))
        [ "$hops" -le 40 ] && link=$(command -p readlink -- "$self") && [ -n "$link" ] || return 1
        case $link in /*) self=$link ;; *) case $self in */*) self=${self%/*}/$link ;; *) self=$link ;; esac ;; esac
    done
    case $self in */*) self=${self%/*} ;; *) self=. ;; esac
    CDPATH='' cd -P -- "${self:-/}" && pwd -P
}

p9gate_find_jdk() {
    local candidate best="" best_major=0 major java
    if [ -n "${JAVA_HOME:-}" ] && p9gate_home_ok "$JAVA_HOME"; then
        export JAVA_HOME; return 0
    fi
    if java=$(command -v java 2>/dev/null); then
        if candidate=$(p9gate_physical_dir "$java") && candidate=${candidate%/*} && p9gate_home_ok "$candidate"; then
            export JAVA_HOME=$candidate; return 0
        fi
    fi
    for candidate in "${P9GATE_JVM_DIR:-/usr/lib/jvm}"/*; do
        [ -d "$candidate" ] || continue
        p9gate_home_ok "$candidate" || continue
        major=$P9GATE_MAJOR
        if [ "$major" -gt "$best_major" ]; then best=$candidate best_major=$major; fi
    done
    if [ -n "$best" ]; then
        export JAVA_HOME=$best; return 0
    fi
    echo "p9gate: no JDK >= $P9GATE_MIN_JAVA found (checked JAVA_HOME, java on PATH, ${P9GATE_JVM_DIR:-/usr/lib/jvm}/*); install one or set JAVA_HOME" >&2
    return 1
}

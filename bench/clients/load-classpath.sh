# load-classpath.sh - sourced by the bench scripts that run the Java load clients
# (module bench/load, package io.p9gate.bench.load): finds the JDK (JAVA_HOME)
# and sets BENCH_LOAD_CP, the load clients' classes plus the gateway's build they
# run on.  ./p9gate builds both (the root pom lists bench/load), once, or again
# when a pom or main source changed.  The load clients are not in the gateway jar
# nor in what `p9gate package` ships (issue 12).
# shellcheck shell=bash
bench_load_classpath() {  # ROOT NAME (NAME: the script, for its error line)
    local root=$1 name=$2
    . "$root/src/bin/find-jdk.sh"
    p9gate_find_jdk || return 1
    "$root/p9gate" --help >/dev/null || return 1
    local load=$root/bench/load/target/classes gateway=$root/gateway/target
    [ -d "$load/io/p9gate/bench/load" ] && [ -d "$gateway/classes" ] && [ -d "$gateway/lib" ] ||
        { echo "$name: no build of bench/load in $root (run: mvn -q -DskipTests package)" >&2; return 1; }
    BENCH_LOAD_CP="$load:$gateway/classes:$gateway/lib/*"
}

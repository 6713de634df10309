#!/usr/bin/env bash
# launcher-test.sh - tests for ./p9gate's build-if-needed logic and the java
# command it runs, in a copy of the launcher with a fake mvn and a fake JDK.
# TAP-like output; exit 1 on any failure.  Run by LauncherScriptsTest.
set -uo pipefail
# The build names its own Cedar library to test JVMs (the parent POM's cedar.ffi.lib); these checks are of what
# the launcher itself sets, and it keeps a CEDAR_JAVA_FFI_LIB it is given.
unset CEDAR_JAVA_FFI_LIB
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
N=0 FAILED=0
expect() {  # NAME ACTUAL EXPECTED
    N=$((N + 1))
    if [ "$2" = "$3" ]; then echo "ok $N - $1"; else FAILED=$((FAILED + 1)); echo "not ok $N - $1: expected '$3', got '$2'"; fi
}

# A checkout with the launcher, one module source and no build.
R=$T/repo
mkdir -p "$R/src/bin" "$R/gateway/src/main/java" "$R/bin"
cp "$ROOT/p9gate" "$R/p9gate"; cp "$ROOT/src/bin/find-jdk.sh" "$R/src/bin/"
echo '<project/>' >"$R/pom.xml"; echo '<project/>' >"$R/gateway/pom.xml"
echo 'class A {}' >"$R/gateway/src/main/java/A.java"
# Fake JDK 25: `java` prints its arguments.
mkdir -p "$T/jdk/bin"; echo 'JAVA_VERSION="25.0.1"' >"$T/jdk/release"
# It plays the JVM's AOT cache too: a recording run writes its -XX:AOTConfiguration file, a create run its
# -XX:AOTCache file (and prints nothing); it logs each call's CEDAR_JAVA_FFI_LIB and exits $JAVA_STATUS.
cat >"$T/jdk/bin/java" <<'JAVA'
#!/bin/sh
mode= conf= cache=
for a in "$@"; do
    case "$a" in
        -XX:AOTMode=*) mode=${a#-XX:AOTMode=} ;;
        -XX:AOTConfiguration=*) conf=${a#-XX:AOTConfiguration=} ;;
        -XX:AOTCache=*) cache=${a#-XX:AOTCache=} ;;
    esac
done
echo "${CEDAR_JAVA_FFI_LIB:-none}" >>"$JAVA_ENV_LOG"
case "$mode" in
    create) echo cache >"$cache"; exit 0 ;;
    record) echo conf >"$conf" ;;
esac
echo "JAVA $*"
exit "${JAVA_STATUS:-0}"
JAVA
chmod +x "$T/jdk/bin/java"
# Fake mvn: logs its call; "builds" unless MVN_FAIL is set.
cat >"$R/bin/mvn" <<'MVN'
#!/bin/sh
echo "$*" >>"$MVN_LOG"
[ -z "${MVN_FAIL:-}" ] || { echo "[ERROR] compilation failed"; exit 1; }
[ -z "${MVN_SLEEP:-}" ] || /bin/sleep "$MVN_SLEEP"  # a build that takes a while, for two launchers at once
/bin/mkdir -p "$P9_REPO/gateway/target/classes" "$P9_REPO/gateway/target/lib"  # not the PATH's: some runs give a hostile one
MVN
chmod +x "$R/bin/mvn"
run() {  # run the launcher ($LAUNCHER, else $R/p9gate) from another cwd, $FIRST_PATH first on PATH; prints stdout, stderr to $T/err
    (cd "$T" && env JAVA_HOME="${JDK:-$T/jdk}" PATH="${FIRST_PATH:+$FIRST_PATH:}$R/bin:/usr/bin:/bin" MVN_LOG="$T/mvn.log" \
        P9_REPO="$R" JAVA_ENV_LOG="$T/java-env.log" ${JAVA_STATUS:+JAVA_STATUS=$JAVA_STATUS} \
        XDG_CACHE_HOME="${CACHE_HOME:-$T/cache}" \
        ${MVN_FAIL:+MVN_FAIL=1} ${MVN_SLEEP:+MVN_SLEEP=$MVN_SLEEP} bash "${LAUNCHER:-$R/p9gate}" "$@" 2>"$T/err")
}
calls() { [ -f "$T/mvn.log" ] && wc -l <"$T/mvn.log" | tr -d ' ' || echo 0; }

out=$(run serve --listen tcp:127.0.0.1:0)
expect "first run builds once" "$(calls)" 1
expect "build is quiet, skips tests, packages" "$(grep -c -- '-q -B .*-DskipTests package' "$T/mvn.log")" 1
expect "first run says it builds" "$(grep -c '^p9gate: building' "$T/err")" 1
expect "java command line (a server: tiered compilation; out of memory ends it, killed, not status 3)" "$out" "JAVA --enable-native-access=ALL-UNNAMED -Dp9gate.home=$R -cp $R/gateway/target/classes:$R/gateway/target/lib/* -XX:+ExitOnOutOfMemoryError -XX:OnOutOfMemoryError=kill -9 %p io.p9gate.gateway.cli.Main serve --listen tcp:127.0.0.1:0"
run --help >/dev/null
expect "second run does not build" "$(calls)" 1
expect "second run is silent on stderr" "$(wc -c <"$T/err" | tr -d ' ')" 0
sleep 1; touch "$R/gateway/src/main/java/A.java"
run --help >/dev/null
expect "a newer source rebuilds" "$(calls)" 2
sleep 1; touch "$R/gateway/pom.xml"
run --help >/dev/null
expect "a newer pom rebuilds" "$(calls)" 3
mkdir -p "$R/bench/load/src/main/java"; sleep 1; echo 'class L {}' >"$R/bench/load/src/main/java/L.java"
run --help >/dev/null
expect "a newer benchmark load client source rebuilds" "$(calls)" 4
sleep 1; touch "$R/gateway/src/main/java/A.java"
out=$(MVN_FAIL=1 run --help); rc=$?
expect "failed build exits 1" "$rc" 1
expect "failed build does not run java" "$out" ""
expect "failed build shows maven's error and says so" "$(grep -c -e 'compilation failed' -e '^p9gate: build failed' "$T/err")" 2
run --help >/dev/null
expect "after a failed build the next run builds again" "$(calls)" 6

# The system's tools (find, touch, mkdir, mv, tail, sort, cksum, rm) come from the system's default PATH, mvn from
# the caller's: here a PATH whose tools print a line that is not theirs and fail. Before, its find said nothing was
# newer, and a changed source ran the old build without a word.
mkdir -p "$T/hostile"
for tool in find touch mkdir mv tail sort cksum rm; do
    printf '#!/bin/sh\necho /nonexistent\nexit 1\n' >"$T/hostile/$tool"; chmod +x "$T/hostile/$tool"
done
sleep 1; touch "$R/gateway/src/main/java/A.java"
out=$(FIRST_PATH=$T/hostile run --help); rc=$?
expect "a PATH whose find, touch, mv... fail: a newer source still rebuilds, with the PATH's mvn, and runs" \
    "$rc:$(calls):$(echo "$out" | grep -c 'io.p9gate.gateway.cli.Main --help$')" 0:7:1
out=$(FIRST_PATH=$T/hostile run --help); rc=$?
expect "a PATH whose find, touch, mv... fail: an up-to-date build is not built again" "$rc:$(calls)" 0:7
# A system tool that fails stops the launcher with one line saying what it could not do, and runs nothing.
mv "$R/gateway/target" "$T/target.saved"; echo 'not a directory' >"$R/gateway/target"
out=$(run --help); rc=$?
expect "a build directory that cannot be made: one line saying so, exit 1, no mvn, no java" \
    "$rc:$(calls):$out:$(grep -c "^p9gate: cannot create the build directory $R/gateway/target: 'mkdir' failed (status 1)$" "$T/err")" 1:7::1
rm "$R/gateway/target"; mv "$T/target.saved" "$R/gateway/target"

# Two launchers started at once after a change: one builds, the other waits for it and runs the fresh build.
# Before, both ran Maven in one target directory and the second's stamp failed ("cannot stamp the build").
sleep 1; touch "$R/gateway/src/main/java/A.java"
before=$(calls)
MVN_SLEEP=2 run --help >"$T/first.out" & first=$!
/bin/sleep 0.5
out=$(run --help); rc=$?
wait "$first"; rc1=$?
expect "two launchers at once after a change: one build, both run the command" \
    "$(($(calls) - before)):$rc1:$rc:$(cat "$T/first.out" "$T/err" | grep -c -e 'cannot stamp' -e 'build failed')" 1:0:0:0
expect "the launcher that waited runs the build it waited for" "$(echo "$out" | grep -c 'io.p9gate.gateway.cli.Main --help$')" 1

# The checkout and the package are found whatever PATH holds: here its readlink and dirname fail after printing a
# directory that is not the launcher's, and the launchers are run through symbolic links (absolute, relative, a link
# to a link) from elsewhere. Before, ./p9gate stopped with status 1 and no word, the packaged launcher too.
mkdir -p "$T/hostile" "$T/linked/deeper"
for tool in readlink dirname; do printf '#!/bin/sh\necho /nonexistent\nexit 1\n' >"$T/hostile/$tool"; chmod +x "$T/hostile/$tool"; done
ln -s "$R/p9gate" "$T/linked/p9gate"; ln -s ../p9gate "$T/linked/deeper/p9gate"
for link in "$T/linked/p9gate" "$T/linked/deeper/p9gate"; do
    out=$(FIRST_PATH=$T/hostile LAUNCHER=$link run --help); rc=$?
    expect "a PATH whose readlink and dirname fail: ${link#"$T"/} finds the checkout" \
        "$rc:$(echo "$out" | grep -c -- "-Dp9gate.home=$R -cp $R/gateway/target/classes:")" 0:1
done
P=$T/package
mkdir -p "$P/bin" "$P/runtime/bin" "$T/usr/bin"
sed 's/@CLASSPATH@/lib\/*/' "$ROOT/src/bin/p9gate-packaged" >"$P/bin/p9gate"
printf '#!/bin/sh\necho "RUNTIME $0 $*"\n' >"$P/runtime/bin/java"; chmod +x "$P/bin/p9gate" "$P/runtime/bin/java"
ln -s ../../package/bin/p9gate "$T/usr/bin/p9gate"
out=$(cd / && PATH="$T/hostile:/usr/bin:/bin" sh "$T/usr/bin/p9gate" status 2>"$T/err"); rc=$?
expect "a PATH whose readlink and dirname fail: the packaged launcher, linked, runs its own runtime" \
    "$rc:$(echo "$out" | grep -c "^RUNTIME $P/runtime/bin/java .* -Dp9gate.home=$P -cp lib/\* io.p9gate.gateway.cli.Main status$")" 0:1

# Start-up of the tools (issue 13): C1 only, Cedar's library unpacked by the build, an AOT cache per command.
L=$R/gateway/target/lib
C=$T/cache/p9gate
mkdir -p "$R/gateway/target/classes/io"; echo x >"$R/gateway/target/classes/io/A.class"
sleep 1; echo jar >"$R/gateway/target/p9gate-gateway-1.0.jar"; echo t >"$R/gateway/target/p9gate-gateway-1.0-tests.jar"
out=$(run policy check x.yaml)
cache=$(echo "$out" | grep -o -- "-XX:AOTConfiguration=$C/aot-[0-9]*-[0-9]*-policy-check\.aot\.[0-9]*\.conf" | sed 's/^-XX:AOTConfiguration=//; s/\.[0-9]*\.conf$//')
expect "a tool's first run records, C1 only, from the jars" "$(echo "$out" | grep -c -- "-cp $R/gateway/target/p9gate-gateway-1.0.jar:$L/\* -XX:TieredStopAtLevel=1 -XX:AOTMode=record -XX:AOTConfiguration=$C/aot-[0-9]*-[0-9]*-policy-check\.aot\.[0-9]*\.conf -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -Xlog:aot=off -Xlog:cds=off io.p9gate.gateway.cli.Main policy check x.yaml$")" 1
expect "then the launcher writes the cache and removes the record" "$(cat "$cache" 2>/dev/null):$(ls "$C" | grep -c -e '\.conf$' -e '\.aot\.')" cache:0
out=$(run policy check x.yaml)
expect "a tool runs without ExitOnOutOfMemoryError (its status 3 is verify's MODIFIED)" "$(echo "$out" | grep -c OutOfMemory)" 0
expect "the next run maps it, silently" "$(echo "$out" | grep -c -- "-XX:TieredStopAtLevel=1 -XX:AOTCache=$cache -Xlog:aot=off -Xlog:cds=off io.p9gate.gateway.cli.Main policy check x.yaml$"):$(wc -c <"$T/err" | tr -d ' ')" 1:0
out=$(FIRST_PATH=$T/hostile run policy check x.yaml); rc=$?
expect "a PATH whose find, sort and cksum fail: the same cache, named by the system's tools" \
    "$rc:$(echo "$out" | grep -c -- "-XX:AOTCache=$cache ")" 0:1
out=$(JAVA_STATUS=3 run audit verify --log d); rc=$?
expect "a first run keeps the command's exit status" "$rc:$(ls "$C" | grep -c 'audit-verify\.aot$')" 3:1
expect "no Cedar library built: cedar-java's loader" "$(tail -n 1 "$T/java-env.log")" none
mkdir -p "$R/gateway/target/native/jne/linux/$(uname -m)"; echo so >"$R/gateway/target/native/jne/linux/$(uname -m)/libcedar_java_ffi.so"
run policy check x.yaml >/dev/null
expect "the build's Cedar library" "$(tail -n 1 "$T/java-env.log")" "$R/gateway/target/native/jne/linux/$(uname -m)/libcedar_java_ffi.so"
echo old >"$C/cds-$(basename "$cache" | cut -d- -f2)-1-policy-check.jsa"; touch -d '2 hours ago' "$cache.999.conf"
sleep 1; echo jar2 >"$R/gateway/target/p9gate-gateway-1.0.jar"
out=$(run policy check x.yaml)
expect "a rebuilt jar records a new cache; the old build's, old AppCDS archives and a killed run's record are deleted" \
    "$(echo "$out" | grep -c -- "-XX:AOTMode=record"):$(ls "$C" | grep -c -e "^$(basename "$cache")" -e '^cds-')" 1:0
out=$(run serve --listen tcp:127.0.0.1:0)
expect "the server runs without cache or C1" "$(echo "$out" | grep -c -e AOT -e TieredStopAtLevel -e p9gate-gateway-1.0.jar)" 0
out=$(export P9GATE_CDS=off; run policy check x.yaml)
expect "P9GATE_CDS=off: no cache, still C1" "$(echo "$out" | grep -c AOT):$(echo "$out" | grep -c TieredStopAtLevel=1)" 0:1
out=$(CACHE_HOME=/proc/no-such-cache run policy check x.yaml)
expect "an unwritable cache: no cache, silently" "$(echo "$out" | grep -c AOT):$(wc -c <"$T/err" | tr -d ' ')" 0:0
sleep 1; echo y >"$R/gateway/target/classes/io/A.class"
out=$(run policy check x.yaml)
expect "classes newer than the jar: from the classes, no cache" "$(echo "$out" | grep -c -e AOT -e 'p9gate-gateway-1.0.jar'):$(echo "$out" | grep -c -- "-cp $R/gateway/target/classes:")" 0:1

# The same with the real JVM (the JDK the build uses): a stand-in Main in a real jar. A cache that is garbage,
# truncated, empty or of another build must leave the command's output and exit status alone, and stderr empty.
. "$ROOT/src/bin/find-jdk.sh"
if p9gate_find_jdk 2>/dev/null; then
    JDK=$JAVA_HOME
    rm -rf "$R/gateway/target" "$T/cache"; mkdir -p "$T/main/io/p9gate/gateway/cli" "$R/gateway/target/classes" "$L"
    cat >"$T/main/io/p9gate/gateway/cli/Main.java" <<'MAIN'
package io.p9gate.gateway.cli;
public class Main {
    public static void main(String[] args) {
        System.out.println("ran " + java.util.stream.Stream.of(args).map(String::toUpperCase).toList());
        System.exit(args.length);
    }
}
MAIN
    "$JDK/bin/javac" -d "$T/main" "$T/main/io/p9gate/gateway/cli/Main.java" \
        && "$JDK/bin/jar" cf "$R/gateway/target/p9gate-gateway-1.0.jar" -C "$T/main" io/p9gate/gateway/cli/Main.class
    touch "$R/gateway/target/.p9gate-build-stamp"
    real() {  # NAME: runs `p9gate policy check x`, expects its output, its status (3, the number of arguments) and an empty stderr
        local out rc; out=$(JDK=$JDK run policy check x); rc=$?
        expect "real JVM: $1" "$out:$rc:$(cat "$T/err")" "ran [POLICY, CHECK, X]:3:"
    }
    real "first run, recording"
    cache=$(ls "$C"/aot-*-policy-check.aot 2>/dev/null)
    expect "real JVM: the first run wrote a cache, nothing else" "$([ -s "$cache" ] && echo yes):$(ls "$C" | wc -l | tr -d ' ')" yes:1
    real "with the cache"
    cp "$cache" "$T/good.aot"
    head -c 100000 /dev/urandom >"$cache"; real "a cache of random bytes"
    head -c 1000000 "$T/good.aot" >"$cache"; real "a truncated cache"
    : >"$cache"; real "an empty cache"
    sleep 1; touch "$R/gateway/target/p9gate-gateway-1.0.jar"
    out=$(JDK=$JDK run policy check x)
    stale=$(ls "$C"/aot-*-policy-check.aot 2>/dev/null)
    cp "$T/good.aot" "$stale"; real "a cache of the same jar before it was rebuilt (stale), under the new build's name"
else
    echo "# no JDK >= 25: real-JVM checks skipped"
fi

echo "1..$N"
echo "# launcher: $N checks, $FAILED failed"
[ "$FAILED" -eq 0 ]

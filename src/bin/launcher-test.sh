#!/usr/bin/env bash
# launcher-test.sh - tests for ./p9gate's build-if-needed logic and the java
# command it runs, in a copy of the launcher with a fake mvn and a fake JDK.
# TAP-like output; exit 1 on any failure.  Run by LauncherScriptsTest.
set -uo pipefail
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
printf '#!/bin/sh\necho "JAVA $*"\n' >"$T/jdk/bin/java"; chmod +x "$T/jdk/bin/java"
# Fake mvn: logs its call; "builds" unless MVN_FAIL is set.
cat >"$R/bin/mvn" <<'MVN'
#!/bin/sh
echo "$*" >>"$MVN_LOG"
[ -z "${MVN_FAIL:-}" ] || { echo "[ERROR] compilation failed"; exit 1; }
mkdir -p "$P9_REPO/gateway/target/classes" "$P9_REPO/gateway/target/lib"
MVN
chmod +x "$R/bin/mvn"
run() {  # run the launcher from another cwd; prints stdout, stderr to $T/err
    (cd "$T" && env JAVA_HOME="$T/jdk" PATH="$R/bin:/usr/bin:/bin" MVN_LOG="$T/mvn.log" P9_REPO="$R" \
        XDG_CACHE_HOME="${CACHE_HOME:-$T/cache}" \
        ${MVN_FAIL:+MVN_FAIL=1} bash "$R/p9gate" "$@" 2>"$T/err")
}
calls() { [ -f "$T/mvn.log" ] && wc -l <"$T/mvn.log" | tr -d ' ' || echo 0; }

out=$(run serve --listen tcp:127.0.0.1:0)
expect "first run builds once" "$(calls)" 1
expect "build is quiet, skips tests, packages" "$(grep -c -- '-q -B .*-DskipTests package' "$T/mvn.log")" 1
expect "first run says it builds" "$(grep -c '^p9gate: building' "$T/err")" 1
expect "java command line" "$out" "JAVA -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED -Dp9gate.home=$R -cp $R/gateway/target/classes:$R/gateway/target/lib/* io.p9gate.gateway.cli.Main serve --listen tcp:127.0.0.1:0"
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

# Class-data sharing (issue 13): tools run from the gateway jar with an archive in the user's cache.
L=$R/gateway/target/lib
mkdir -p "$R/gateway/target/classes/io"; echo x >"$R/gateway/target/classes/io/A.class"
sleep 1; echo jar >"$R/gateway/target/p9gate-gateway-1.0.jar"; echo t >"$R/gateway/target/p9gate-gateway-1.0-tests.jar"
out=$(run policy check x.yaml)
expect "a tool uses an archive in the cache dir" "$(echo "$out" | grep -c -- "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$T/cache/p9gate/cds-[0-9]*-[0-9]*-policy-check\.jsa -Xlog:cds=off -Xlog:cds+dynamic=off ")" 1
expect "with the jars only on the class path" "$(echo "$out" | grep -c -- "-cp $R/gateway/target/p9gate-gateway-1.0.jar:$L/\* io.p9gate.gateway.cli.Main policy check x.yaml")" 1
expect "the cache dir is created" "$([ -d "$T/cache/p9gate" ] && echo yes)" yes
archive() { echo "$1" | grep -o -- "cds-[0-9]*-[0-9]*-policy-check\.jsa"; }
first=$(archive "$out"); touch "$T/cache/p9gate/$first"
sleep 1; echo jar2 >"$R/gateway/target/p9gate-gateway-1.0.jar"
out=$(run policy check x.yaml)
expect "a rebuilt jar gets a new archive (the JVM would not rewrite the old one), the old one is deleted" \
    "$([ "$(archive "$out")" != "$first" ] && [ -n "$(archive "$out")" ] && echo new):$(ls "$T/cache/p9gate" | grep -c "$first")" new:0
out=$(run serve --listen tcp:127.0.0.1:0)
expect "the server runs without it" "$(echo "$out" | grep -c -e SharedArchive -e p9gate-gateway-1.0.jar)" 0
out=$(export P9GATE_CDS=off; run policy check x.yaml)
expect "P9GATE_CDS=off: no archive" "$(echo "$out" | grep -c SharedArchive)" 0
out=$(CACHE_HOME=/proc/no-such-cache run policy check x.yaml)
expect "an unwritable cache: no archive, silently" "$(echo "$out" | grep -c SharedArchive):$(wc -c <"$T/err" | tr -d ' ')" 0:0
sleep 1; echo y >"$R/gateway/target/classes/io/A.class"
out=$(run policy check x.yaml)
expect "classes newer than the jar: from the classes, no archive" "$(echo "$out" | grep -c -e SharedArchive -e 'p9gate-gateway-1.0.jar'):$(echo "$out" | grep -c -- "-cp $R/gateway/target/classes:")" 0:1

echo "1..$N"
echo "# launcher: $N checks, $FAILED failed"
[ "$FAILED" -eq 0 ]

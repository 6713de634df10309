# servers.sh - start/stop the 9P servers the guest tests and benchmarks
# compare, on loopback.  Sourced (bash) by posix-against.sh and
# bench/compare-diod.sh.  Each start function sets SERVER_PID and
# SERVER_ADDR (HOST:PORT) and SERVER_ANAME (the attach name to mount).

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_listening() {  # PORT PID: wait up to 30 s for a TCP listener on PORT
    local i
    for i in $(seq 300); do
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# start_diod EXPORT_DIR LOGFILE
# diod: -f foreground, -n no MUNGE auth, -e export; never -N (the kernel's
# first attach is uname "nobody", which needs the user db).  The export and
# its parents must be traversable by "nobody".  diod caps msize at 65536.
start_diod() {
    local port; port=$(free_port)
    diod -f -n -e "$1" -l "127.0.0.1:$port" -L "$2" &
    SERVER_PID=$!
    SERVER_ADDR=127.0.0.1:$port SERVER_ANAME=$1
    wait_listening "$port" "$SERVER_PID" || { echo "diod did not start:" >&2; cat "$2" >&2; return 1; }
}

# start_p9gate REPO_ROOT SHARE_NAME EXPORT_DIR LOGFILE
# Uses the launcher's `serve` (docs/cli.md); the share is attached by name.
# HOOK (lead): relies on `p9gate serve --listen SPEC --share NAME=DIR` as
# specified in docs/cli.md; adjust this one function if the CLI differs.
# P9GATE_SERVE_ARGS adds serve options, e.g. to measure with the audit log on:
#   P9GATE_SERVE_ARGS="--audit-dir /tmp/a --audit-key /tmp/k.key" bench/compare-diod.sh
start_p9gate() {
    local port; port=$(free_port)
    # shellcheck disable=SC2086 # word splitting of the extra options is intended
    "$1/p9gate" serve --listen "tcp:127.0.0.1:$port" --share "$2=$3" ${P9GATE_SERVE_ARGS:-} >"$4" 2>&1 &
    SERVER_PID=$!
    SERVER_ADDR=127.0.0.1:$port SERVER_ANAME=$2
    # The first run may build the project (~1 min): allow for it.
    local i
    for i in $(seq 1800); do
        ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "p9gate did not start:" >&2; cat "$4" >&2; return 1; }
        sleep 0.1
    done
    echo "p9gate did not listen within 180 s" >&2; return 1
}

stop_server() {  # only the server we started, by PID
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

# make_export PARENT: a fresh export dir reachable by "nobody" (prints it)
make_export() {
    mkdir -p "$1"
    local d; d=$(mktemp -d "$1/export.XXXXXX")
    chmod 755 "$1" "$d"
    echo "$d"
}

"""One process connects to a unix: listener, another speaks 9P on that connection (its fd passed by SCM_RIGHTS).

Usage: passed_fd_9p.py SOCKET CONNECTOR_UID SPEAKER_UID ANAME FILE
Prints "connector PID" and then "read TEXT" (the file's first bytes), "error ERRNO", "closed" or "timeout".
Run as root: each side takes its uid (and the same gid) with setgid/setuid before it acts.
"""

import os
import socket
import struct
import sys

NOFID = 0xFFFFFFFF


def become(uid):
    if uid != os.getuid():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def s(text):
    data = text.encode()
    return struct.pack("<H", len(data)) + data


def frame(kind, tag, body):
    return struct.pack("<IBH", 7 + len(body), kind, tag) + body


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def rpc(conn, kind, tag, body):
    conn.sendall(frame(kind, tag, body))
    size, rkind, rtag = struct.unpack("<IBH", recv_exact(conn, 7))
    payload = recv_exact(conn, size - 7)
    if rkind == 7:  # Rlerror
        raise OSError(struct.unpack("<I", payload[:4])[0], "Rlerror")
    return payload


def speak(conn, aname, name):
    rpc(conn, 100, 0xFFFF, struct.pack("<I", 65536) + s("9P2000.L"))
    rpc(conn, 104, 1, struct.pack("<II", 0, NOFID) + s("root") + s(aname) + struct.pack("<I", 0))
    rpc(conn, 110, 1, struct.pack("<IIH", 0, 1, 1) + s(name))
    rpc(conn, 12, 1, struct.pack("<II", 1, 0))
    payload = rpc(conn, 116, 1, struct.pack("<IQI", 1, 0, 100))
    (count,) = struct.unpack("<I", payload[:4])
    return payload[4 : 4 + count].decode()


def main():
    path, connector_uid, speaker_uid, aname, name = sys.argv[1:6]
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    child = os.fork()
    if child == 0:
        mine.close()
        become(int(connector_uid))
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        socket.send_fds(theirs, [b"x"], [conn.fileno()])
        os._exit(0)
    theirs.close()
    _, fds, _, _ = socket.recv_fds(mine, 1, 1)
    os.waitpid(child, 0)
    print("connector", child, flush=True)
    become(int(speaker_uid))
    conn = socket.socket(fileno=fds[0])
    conn.settimeout(20)
    try:
        print("read", speak(conn, aname, name), flush=True)
    except TimeoutError:
        print("timeout", flush=True)
    except OSError as e:
        if e.errno is not None and e.strerror == "Rlerror":
            print("error", e.errno, flush=True)
        else:
            print("closed", flush=True)
    except EOFError:
        print("closed", flush=True)


if __name__ == "__main__":
    main()

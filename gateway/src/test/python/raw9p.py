#!/usr/bin/env python3
"""An independent raw 9P2000.L client that probes a server as a hostile guest would.

Written from the protocol's description (the Linux kernel's 9P client: message numbers of
include/net/9p/9p.h, field layouts of net/9p/protocol.c), not from the gateway's codec, so a
wire bug made the same way in the gateway's encoder and decoder cannot hide from it.

    raw9p.py ADDRESS ANAME MODE

ADDRESS is unix:PATH or tcp:HOST:PORT; MODE is `bare` (a share with no policy), `policy` (the
test policy's VM alpha: /base read-only, /secret hidden, a quota on /cache) or `diod` (the reference
server). It prints one JSON object a line:

    {"probe": NAME, "conn": N, "tag": T, "reply": "Rlerror EINVAL", "errno": 22, "ok": true, "compare": bool,
     "want": ...}

`reply` is the answer as the client read it ("closed", "timeout", a malformed reply as "malformed: why");
`ok` is whether it was well formed and what the documentation promises (`want`); `compare` marks probes
whose answer must match the reference server's. Tags are unique over the whole run, so a test can match
each request with its audit record.
"""

import errno
import json
import socket
import struct
import sys

NOTAG = 0xFFFF
NOFID = 0xFFFFFFFF
MSIZE = 65536
QID = 13
O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC = 0, 1, 2, 0o100, 0o200, 0o1000
AT_REMOVEDIR = 0x200

# Message numbers (9p.h): each R-message is its T-message plus one.
T = dict(
    lerror=6, statfs=8, lopen=12, lcreate=14, symlink=16, mknod=18, rename=20, readlink=22,
    getattr=24, setattr=26, xattrwalk=30, xattrcreate=32, readdir=40, fsync=50, lock=52,
    getlock=54, link=70, mkdir=72, renameat=74, unlinkat=76, version=100, auth=102, attach=104,
    error=106, flush=108, walk=110, open=112, create=114, read=116, write=118, clunk=120,
    remove=122, stat=124, wstat=126)
RLERROR = 7
# errno names; 95 is both ENOTSUP and EOPNOTSUPP on Linux, the docs say EOPNOTSUPP.
ERRNO = {**errno.errorcode, errno.EOPNOTSUPP: "EOPNOTSUPP"}


# --- encoding: little-endian integers, strings as a 2-byte length and bytes ---------------------

def u8(v): return struct.pack("<B", v & 0xFF)
def u16(v): return struct.pack("<H", v & 0xFFFF)
def u32(v): return struct.pack("<I", v & 0xFFFFFFFF)
def u64(v): return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def s(text):
    data = text if isinstance(text, bytes) else text.encode()
    return u16(len(data)) + data


def frame(mtype, tag, body):
    """size[4] type[1] tag[2] body: size counts itself."""
    return u32(7 + len(body)) + u8(mtype) + u16(tag) + body


# --- one function per request: (type, body) -------------------------------------------------------

def tversion(msize, version="9P2000.L"): return T["version"], u32(msize) + s(version)
def tauth(afid, uname, aname, n_uname): return T["auth"], u32(afid) + s(uname) + s(aname) + u32(n_uname)
def tattach(fid, afid, uname, aname, n_uname):
    return T["attach"], u32(fid) + u32(afid) + s(uname) + s(aname) + u32(n_uname)
def tflush(oldtag): return T["flush"], u16(oldtag)
def twalk(fid, newfid, names): return T["walk"], u32(fid) + u32(newfid) + u16(len(names)) + b"".join(s(n) for n in names)
def tlopen(fid, flags): return T["lopen"], u32(fid) + u32(flags)
def tlcreate(fid, name, flags, mode, gid): return T["lcreate"], u32(fid) + s(name) + u32(flags) + u32(mode) + u32(gid)
def tsymlink(fid, name, target, gid): return T["symlink"], u32(fid) + s(name) + s(target) + u32(gid)
def tmknod(dfid, name, mode, major, minor, gid):
    return T["mknod"], u32(dfid) + s(name) + u32(mode) + u32(major) + u32(minor) + u32(gid)
def trename(fid, dfid, name): return T["rename"], u32(fid) + u32(dfid) + s(name)
def treadlink(fid): return T["readlink"], u32(fid)
def tgetattr(fid, mask=0x3FFF): return T["getattr"], u32(fid) + u64(mask)
def tsetattr(fid, valid, mode=0, uid=0, gid=0, size=0, atime=(0, 0), mtime=(0, 0)):
    return T["setattr"], (u32(fid) + u32(valid) + u32(mode) + u32(uid) + u32(gid) + u64(size)
                          + u64(atime[0]) + u64(atime[1]) + u64(mtime[0]) + u64(mtime[1]))
def txattrwalk(fid, newfid, name): return T["xattrwalk"], u32(fid) + u32(newfid) + s(name)
def txattrcreate(fid, name, size, flags): return T["xattrcreate"], u32(fid) + s(name) + u64(size) + u32(flags)
def treaddir(fid, offset, count): return T["readdir"], u32(fid) + u64(offset) + u32(count)
def tfsync(fid, datasync=0): return T["fsync"], u32(fid) + u32(datasync)
def tlock(fid, ltype, flags, start, length, proc_id=1, client="raw9p"):
    return T["lock"], u32(fid) + u8(ltype) + u32(flags) + u64(start) + u64(length) + u32(proc_id) + s(client)
def tgetlock(fid, ltype, start, length, proc_id=1, client="raw9p"):
    return T["getlock"], u32(fid) + u8(ltype) + u64(start) + u64(length) + u32(proc_id) + s(client)
def tlink(dfid, fid, name): return T["link"], u32(dfid) + u32(fid) + s(name)
def tmkdir(dfid, name, mode, gid): return T["mkdir"], u32(dfid) + s(name) + u32(mode) + u32(gid)
def trenameat(olddir, oldname, newdir, newname): return T["renameat"], u32(olddir) + s(oldname) + u32(newdir) + s(newname)
def tunlinkat(dfid, name, flags): return T["unlinkat"], u32(dfid) + s(name) + u32(flags)
def tstatfs(fid): return T["statfs"], u32(fid)
def tread(fid, offset, count): return T["read"], u32(fid) + u64(offset) + u32(count)
def twrite(fid, offset, data): return T["write"], u32(fid) + u64(offset) + u32(len(data)) + data
def tclunk(fid): return T["clunk"], u32(fid)
def tremove(fid): return T["remove"], u32(fid)


# --- decoding replies: every field read against the frame's end ----------------------------------

class Body:
    def __init__(self, data): self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("field past the end (%d+%d > %d)" % (self.pos, n, len(self.data)))
        part = self.data[self.pos:self.pos + n]
        self.pos += n
        return part

    def int(self, n): return int.from_bytes(self.take(n), "little")
    def str(self): return self.take(self.int(2)).decode("utf-8")

    def end(self):
        if self.pos != len(self.data):
            raise ValueError("%d trailing bytes" % (len(self.data) - self.pos))


def qid(b):
    """type[1] version[4] path[8]; the type (0x80 directory, 0x02 symlink, 0 file) is what servers agree on."""
    qtype, _version, _path = b.int(1), b.int(4), b.int(8)
    return "q%x" % qtype


def rreaddir(b):
    """count[4] then entries: qid[13] offset[8] type[1] name[s]; the dirent type must agree with the qid's."""
    data, entries = Body(b.take(b.int(4))), []
    while data.pos < len(data.data):
        q = qid(data); data.int(8); dtype = data.int(1)
        name = data.str()
        if (q == "q80") != (dtype == 4):
            raise ValueError("entry %r: qid %s but d_type %d" % (name, q, dtype))
        entries.append(name)
    return "entries=" + ",".join(sorted(entries))


def rgetattr(b):
    """valid qid mode uid gid nlink rdev size blksize blocks atime mtime ctime btime gen data_version"""
    b.int(8); q = qid(b)
    mode, uid, gid = b.int(4), b.int(4), b.int(4)
    nlink, rdev, size = b.int(8), b.int(8), b.int(8)
    b.int(8); blocks = b.int(8)
    atime, mtime = (b.int(8), b.int(8)), (b.int(8), b.int(8))
    for _ in range(6): b.int(8)
    return "%s mode=%o uid=%d gid=%d nlink=%d rdev=%d size=%d blocks=%d atime=%s mtime=%s" % (
        q, mode, uid, gid, nlink, rdev, size, blocks, when(atime), when(mtime))


def when(time):
    """A time a probe set (before 2017) as sec.nsec; the server's own clock as "now", to compare servers."""
    return "%d.%d" % time if time[0] < 1500000000 else "now"


def rstatfs(b):
    """type[4] bsize[4] blocks[8] bfree[8] bavail[8] files[8] ffree[8] fsid[8] namelen[4]"""
    fstype, bsize, blocks = b.int(4), b.int(4), b.int(8)
    b.int(8); b.int(8); files = b.int(8); b.int(8); b.int(8)
    return "type=%x bsize=%d blocks=%d files=%d namelen=%d" % (fstype, bsize, blocks, files, b.int(4))


def rgetlock(b):
    ltype, start, length, proc_id, client = b.int(1), b.int(8), b.int(8), b.int(4), b.str()
    return "type=%d start=%d length=%d" % (ltype, start, length)


# What each reply holds; each returns a short summary of what matters for comparing servers.
REPLIES = {
    "Rlerror": lambda b: ERRNO.get(b.int(4), "errno?"),
    "Rversion": lambda b: "%d %s" % (b.int(4), b.str()),
    "Rattach": qid,
    "Rwalk": lambda b: (lambda qids: "nwqid=%d %s" % (len(qids), ",".join(qids)))([qid(b) for _ in range(b.int(2))]),
    "Rlopen": lambda b: [qid(b), b.int(4)][0],  # the iounit is the server's choice
    "Rlcreate": lambda b: [qid(b), b.int(4)][0],
    "Rsymlink": qid,
    "Rmknod": qid,
    "Rmkdir": qid,
    "Rreadlink": lambda b: (lambda target: target if len(target) <= 64 else "%d bytes" % len(target))(b.str()),
    "Rgetattr": rgetattr,
    "Rxattrwalk": lambda b: "size=%d" % b.int(8),
    "Rreaddir": rreaddir,
    "Rread": lambda b: (lambda data: "count=%d %s" % (len(data), data[:16].hex()))(b.take(b.int(4))),
    "Rwrite": lambda b: "count=%d" % b.int(4),
    "Rlock": lambda b: "status=%d" % b.int(1),
    "Rgetlock": rgetlock,
    "Rstatfs": rstatfs,
}
NAMES = {v + 1: "R" + k for k, v in T.items()}


def summarize(mtype, body):
    name = NAMES.get(mtype, "type%d" % mtype)
    b = Body(body)
    detail = REPLIES.get(name, lambda _: "")(b)
    b.end()
    return (name + " " + detail).strip()


class Conn:
    """One connection; replies are read whole by their size field."""

    def __init__(self, address, timeout=10.0):
        kind, _, rest = address.partition(":")
        if kind == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(rest)
        else:
            host, _, port = rest.rpartition(":")
            self.sock = socket.create_connection((host, int(port)))
        self.timeout = timeout

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # a closed connection shows in the next read

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            part = self.sock.recv(n - len(data))
            if not part:
                raise EOFError
            data += part
        return data

    def recv(self, timeout=None):
        """(tag, summary) of the next reply; tag None for "closed" or "timeout"."""
        self.sock.settimeout(timeout or self.timeout)
        try:
            size = int.from_bytes(self._exactly(4), "little")
            if size < 7 or size > 16 * 1024 * 1024:
                return None, "malformed: size %d" % size
            head = self._exactly(3)
            mtype, tag = head[0], int.from_bytes(head[1:], "little")
            body = self._exactly(size - 7)
        except socket.timeout:
            return None, "timeout"
        except (EOFError, ConnectionError):
            return None, "closed"
        try:
            return tag, summarize(mtype, body)
        except (ValueError, UnicodeDecodeError) as e:
            return tag, "malformed: %s %s" % (NAMES.get(mtype, mtype), e)

    def close(self): self.sock.close()


# --- the run: probes and their expectations ----------------------------------------------------

class Run:
    def __init__(self, address, aname, mode):
        self.address, self.aname, self.mode = address, aname, mode
        self.next_tag, self.conns = 1, 0

    def tag(self):
        self.next_tag += 1
        return self.next_tag - 1

    def connect(self, attach=True, msize=MSIZE):
        c = Conn(self.address)
        self.conns += 1
        c.index = self.conns
        self.rpc(c, tversion(msize), tag=NOTAG, name="setup version")
        if attach:
            self.rpc(c, tattach(0, NOFID, "root", self.aname, 0), name="setup attach", want="Rattach")
        return c

    def report(self, name, conn, tag, reply, want, compare, extra=None):
        ok = not reply.startswith("malformed") and not reply == "timeout"
        if want is not None:
            wants = want if isinstance(want, (list, tuple)) else [want]
            ok = any(reply == w or reply.startswith(w + " ") for w in wants)
        code = getattr(errno, reply.split()[1], -1) if reply.startswith("Rlerror ") else 0
        out = {"probe": name, "conn": conn.index, "tag": tag, "reply": reply, "errno": code, "ok": ok,
               "compare": compare, "want": want}
        out.update(extra or {})
        print(json.dumps(out), flush=True)
        return reply

    def rpc(self, conn, msg, name=None, want=None, compare=False, tag=None):
        tag = self.tag() if tag is None else tag
        conn.send(frame(msg[0], tag, msg[1]))
        got_tag, reply = conn.recv()
        if got_tag is not None and got_tag != tag and not reply.startswith("malformed"):
            reply = "malformed: tag %d for %d: %s" % (got_tag, tag, reply)
        if name:
            self.report(name, conn, tag, reply, want, compare)
        return reply

    def raw(self, conn, name, data, tag, want, timeout=None):
        conn.send(data)
        got_tag, reply = conn.recv(timeout)
        return self.report(name, conn, tag, reply, want, False)

    def replies(self, conn, name, data, count, want, tag):
        """Sends `data` (several frames) at once and reports the next `count` replies, in order, as one."""
        conn.send(data)
        got = []
        for _ in range(count):
            got_tag, reply = conn.recv(2.0)
            got.append(reply if got_tag is None else "%d:%s" % (got_tag, reply))
            if got_tag is None:
                break
        return self.report(name, conn, tag, " | ".join(got), want, False)

    def probe(self, conn, name, msg, want=None):
        """A request whose answer is compared with the reference server's."""
        return self.rpc(conn, msg, name=name, want=want, compare=True)

    def alive(self, conn, name):
        self.rpc(conn, tgetattr(0), name=name + ": still served", want="Rgetattr")


def framing(run):
    # A size below the header or above msize: the stream cannot be trusted, the connection closes.
    for size in (0, 3, 6, MSIZE + 1, 0xFFFFFFFF):
        c = run.connect()
        run.raw(c, "size %d" % size, u32(size) + u8(T["getattr"]) + u16(run.tag()) + u32(0), run.next_tag - 1,
                "closed")
        c.close()
    c = run.connect()
    tag = run.tag()
    run.raw(c, "size shorter than the body needs", frame(T["getattr"], tag, u32(0))
            , tag, "Rlerror EPROTO")
    run.alive(c, "short body")
    tag = run.tag()
    run.raw(c, "trailing bytes after a body", frame(T["getattr"], tag, u32(0) + u64(0x3FFF) + b"xyz"), tag,
            "Rlerror EPROTO")
    tag = run.tag()
    whole = frame(T["getattr"], tag, u32(0) + u64(0x3FFF) + b"abcd")
    run.raw(c, "size longer than what was sent: waits", whole[:-4], tag, "timeout", timeout=1.0)
    run.raw(c, "size longer than what was sent: the rest", whole[-4:], tag, "Rlerror EPROTO")
    tag = run.tag()
    run.raw(c, "string length past the message", frame(T["walk"], tag, u32(0) + u32(1) + u16(1) + u16(100) + b"abc"),
            tag, "Rlerror EPROTO")
    tag = run.tag()
    run.raw(c, "write count past the data", frame(T["write"], tag, u32(0) + u64(0) + u32(100) + b"abc"), tag,
            "Rlerror EPROTO")
    tag = run.tag()
    run.raw(c, "walk count past the names", frame(T["walk"], tag, u32(0) + u32(1) + u16(3) + s("a")), tag,
            "Rlerror EPROTO")
    for mtype in (0, 6, 7, 25, 99, 101, 107, 113, 125, 200, 255):
        tag = run.tag()
        run.raw(c, "message type %d" % mtype, frame(mtype, tag, u32(0)), tag, "Rlerror EOPNOTSUPP")
    run.alive(c, "after malformed bodies")
    run.rpc(c, twalk(0, 1, [b"a\xff\xfe"]), name="walk: invalid UTF-8", want="Rlerror EINVAL")
    run.rpc(c, twalk(0, 1, [b"a\x00b"]), name="walk: NUL in a name", want="Rlerror EINVAL")
    run.rpc(c, twalk(0, 1, ["a/b"]), name="walk: slash in a name", want="Rlerror EINVAL")
    run.rpc(c, twalk(0, 1, [""]), name="walk: empty name", want="Rlerror EINVAL")
    run.rpc(c, twalk(0, 1, ["x"] * 17), name="walk: 17 names", want="Rlerror EINVAL")
    run.rpc(c, twalk(0, 1, [".."] * 16), name="walk: 16 '..' at the root", want="Rwalk nwqid=16")
    run.rpc(c, tclunk(1), name="clunk the walked fid", want="Rclunk")
    run.rpc(c, tgetattr(0), name="getattr with tag NOTAG", tag=NOTAG, want=["Rgetattr", "Rlerror"])
    run.rpc(c, tversion(4095), name="version: msize 4095", tag=NOTAG, want="Rlerror EINVAL")
    run.rpc(c, tversion(0), name="version: msize 0", tag=NOTAG, want="Rlerror EINVAL")
    run.rpc(c, tflush(12345), name="flush of an unknown tag", want="Rflush")
    run.rpc(c, tversion(8192), name="version again", tag=NOTAG, want="Rversion 8192 9P2000.L")
    run.rpc(c, tgetattr(0), name="getattr of a fid of the old session", want="Rlerror")
    tag = run.tag()
    run.raw(c, "size above the new msize", u32(8193) + u8(T["getattr"]) + u16(tag), tag, "closed")
    c.close()
    c = run.connect(attach=False)
    run.rpc(c, tversion(MSIZE, "9P2000.L"), name="version with a tag", tag=7, want=["Rversion", "Rlerror"])
    c.close()
    c = Conn(run.address)
    run.conns += 1
    c.index = run.conns
    run.rpc(c, tattach(0, NOFID, "root", run.aname, 0), name="attach before version", want="Rlerror EPROTO")
    run.rpc(c, tversion(0xFFFFFFFF), name="version: msize 2^32-1", tag=NOTAG, want="Rversion")
    c.close()


def in_flight(run):
    """Tags and Tversion while a request is still being served: an open for writing is never answered on the spot."""
    c = run.connect()
    run.rpc(c, twalk(0, 1, ["notes.txt"]), name="walk for a slow open", want="Rwalk nwqid=1")
    tag = run.tag()
    run.replies(c, "a tag taken twice while in flight", frame(T["lopen"], tag, tlopen(1, O_RDWR)[1])
                + frame(T["getattr"], tag, tgetattr(0)[1]), 1, "closed", tag)
    c.close()
    c = run.connect()
    run.rpc(c, twalk(0, 1, ["notes.txt"]), name="walk for a slow open", want="Rwalk nwqid=1")
    tag = run.tag()
    run.replies(c, "a Tflush taking the tag it flushes", frame(T["lopen"], tag, tlopen(1, O_RDWR)[1])
                + frame(T["flush"], tag, tflush(tag)[1]), 1, "closed", tag)
    c.close()
    c = run.connect()
    run.rpc(c, twalk(0, 1, ["notes.txt"]), name="walk for a slow open", want="Rwalk nwqid=1")
    opening, after = run.tag(), run.tag()
    run.replies(c, "Tversion behind a request in flight", frame(T["lopen"], opening, tlopen(1, O_RDWR)[1])
                + frame(T["version"], NOTAG, tversion(8192)[1]) + frame(T["getattr"], after, tgetattr(1)[1]), 3,
                "%d:Rlopen q0 | %d:Rversion 8192 9P2000.L | %d:Rlerror EBADF" % (opening, NOTAG, after), opening)
    c.close()


def reply_sizes(run):
    """A reply of exactly msize is served; one byte more is EIO, never a frame the client must refuse."""
    c = run.connect()
    run.rpc(c, tmkdir(0, "sizes", 0o755, 0), name="mkdir sizes", want="Rmkdir")
    run.rpc(c, twalk(0, 1, ["sizes"]), name="walk sizes", want="Rwalk nwqid=1")
    fits = 4096 - 7 - 2  # Rreadlink: size[4] type[1] tag[2] target[s]
    for n in (fits, fits + 1):
        run.rpc(c, tsymlink(1, "l%d" % n, "t" * n, 0), name="symlink of %d bytes" % n, want="Rsymlink")
    small = run.connect(msize=4096)
    for n, want in ((fits, "Rreadlink"), (fits + 1, "Rlerror EIO")):
        run.rpc(small, twalk(0, 1, ["sizes", "l%d" % n]), name="walk to l%d" % n, want="Rwalk nwqid=2")
        run.rpc(small, treadlink(1), name="readlink of %d bytes at msize 4096" % n, want=want)
        run.rpc(small, tclunk(1), name="clunk l%d" % n, want="Rclunk")
    run.rpc(small, twalk(0, 1, ["notes.txt"]), name="walk notes.txt", want="Rwalk nwqid=1")
    run.rpc(small, tlopen(1, O_RDONLY), name="lopen notes.txt", want="Rlopen")
    run.rpc(small, tread(1, 0, 0xFFFFFFFF), name="read count 2^32-1 at msize 4096", want="Rread")
    small.close()
    c.close()


def semantics(run):
    """Requests on fids of the wrong kind; every answer is compared with the reference server's."""
    c = run.connect()
    p = run.probe
    p(c, "mkdir w", tmkdir(0, "w", 0o755, 0))
    p(c, "walk to w", twalk(0, 1, ["w"]))
    p(c, "create w/f", tlcreate(1, "f", O_RDWR | O_CREAT, 0o644, 0))  # fid 1 is now the open file f
    p(c, "write f", twrite(1, 0, b"hello world"))
    p(c, "lopen an open fid", tlopen(1, O_RDONLY))
    p(c, "lcreate through an open fid", tlcreate(1, "g", O_CREAT, 0o644, 0))
    p(c, "walk w again", twalk(0, 2, ["w"]))
    p(c, "walk to an existing newfid", twalk(0, 2, ["w"]))
    p(c, "attach to an existing fid", tattach(2, NOFID, "root", run.aname, 0))
    run.rpc(c, tclunk(2))  # a server that replaced fid 2 has it at the root now
    run.rpc(c, twalk(0, 2, ["w"]))
    p(c, "read a directory fid not open", tread(2, 0, 10))
    p(c, "readdir a directory fid not open", treaddir(2, 0, 4096))
    p(c, "lopen a directory for writing", tlopen(2, O_WRONLY))
    p(c, "lopen a directory", tlopen(2, O_RDONLY))
    p(c, "write to a directory", twrite(2, 0, b"x"))
    p(c, "readdir at offset 0", treaddir(2, 0, 4096))
    p(c, "readdir at a made-up offset", treaddir(2, 0x123456789, 4096), want=["Rreaddir", "Rlerror"])
    p(c, "readdir at offset 2^64-1", treaddir(2, 0xFFFFFFFFFFFFFFFF, 4096), want=["Rreaddir", "Rlerror"])
    p(c, "readdir count 0", treaddir(2, 0, 0))
    p(c, "readdir of a file", treaddir(1, 0, 4096))
    p(c, "read at offset 2^63", tread(1, 1 << 63, 10))
    p(c, "read at offset 2^64-1", tread(1, 0xFFFFFFFFFFFFFFFF, 10))
    p(c, "write at offset 2^63-2", twrite(1, (1 << 63) - 2, b"xyz"))
    p(c, "write at offset 2^64-1", twrite(1, 0xFFFFFFFFFFFFFFFF, b"xyz"))
    p(c, "fsync", tfsync(1))
    p(c, "lock range 2^64-1+1", tlock(1, 1, 0, 0xFFFFFFFFFFFFFFFF, 1))
    p(c, "lock of length 0 (to the end)", tlock(1, 1, 0, 10, 0))
    p(c, "lock type 7", tlock(1, 7, 0, 0, 1))
    p(c, "lock flags 0xff", tlock(1, 0, 0xFF, 0, 1))
    p(c, "unlock", tlock(1, 2, 0, 0, 0))
    p(c, "getlock type 9", tgetlock(1, 9, 0, 1))
    p(c, "getlock past 2^63", tgetlock(1, 0, 1 << 63, 1 << 63))
    p(c, "setattr unknown valid bits", tsetattr(1, 0xFFFF8000))
    p(c, "setattr size 2^63", tsetattr(1, 0x8, size=1 << 63))
    p(c, "getattr", tgetattr(1))
    p(c, "readlink of a file", treadlink(1))
    p(c, "statfs", tstatfs(0))
    fields(run, c)
    p(c, "xattrwalk list", txattrwalk(1, 3, ""))
    p(c, "clunk the xattr list", tclunk(3))
    p(c, "xattrwalk of a missing name", txattrwalk(1, 3, "user.none"))
    p(c, "xattrwalk of a name of 256 bytes", txattrwalk(1, 3, "user." + "x" * 251))
    p(c, "walk to w/f", twalk(0, 4, ["w", "f"]))
    p(c, "xattrcreate 2^40 bytes", txattrcreate(4, "user.big", 1 << 40, 0))
    p(c, "walk to w/f again", twalk(0, 4, ["w", "f"]), want=["Rwalk", "Rlerror"])
    p(c, "xattrcreate 4 bytes", txattrcreate(4, "user.four", 4, 0))
    p(c, "write 8 bytes to a 4-byte xattr", twrite(4, 0, b"12345678"))
    p(c, "getattr of an xattr fid", tgetattr(4))
    p(c, "walk from an xattr fid", twalk(4, 5, []))
    p(c, "clunk the xattr", tclunk(4))
    p(c, "xattrwalk user.four", txattrwalk(1, 3, "user.four"))
    p(c, "read the xattr", tread(3, 0, 100))
    p(c, "lopen the xattr fid", tlopen(3, O_RDONLY))
    p(c, "clunk the xattr fid", tclunk(3))
    p(c, "mkdir in a file", tmkdir(1, "d", 0o755, 0))
    p(c, "symlink in a file", tsymlink(1, "l", "f", 0))
    p(c, "link into a file", tlink(1, 1, "h"))
    p(c, "walk w again for entries", twalk(0, 6, ["w"]))
    p(c, "mkdir w/.", tmkdir(6, ".", 0o755, 0))
    p(c, "mkdir w/..", tmkdir(6, "..", 0o755, 0))
    p(c, "mkdir with a slash", tmkdir(6, "a/b", 0o755, 0))
    p(c, "mkdir empty name", tmkdir(6, "", 0o755, 0))
    p(c, "mkdir name of 255 bytes", tmkdir(6, "n" * 255, 0o755, 0))
    p(c, "mkdir name of 256 bytes", tmkdir(6, "n" * 256, 0o755, 0))
    p(c, "mkdir name of 4096 bytes", tmkdir(6, "n" * 4096, 0o755, 0))
    p(c, "symlink with a 4096-byte target", tsymlink(6, "long", "t" * 4096, 0))
    p(c, "symlink s", tsymlink(6, "s", "f", 0))
    p(c, "walk to the symlink", twalk(6, 7, ["s"]))
    p(c, "readlink", treadlink(7))
    p(c, "lopen a symlink", tlopen(7, O_RDONLY))
    p(c, "mknod a fifo", tmknod(6, "fifo", 0o10644, 0, 0, 0))
    p(c, "link f to w/h", tlink(6, 1, "h"))
    p(c, "link onto an existing name", tlink(6, 1, "h"))
    p(c, "renameat h to h2", trenameat(6, "h", 6, "h2"))
    p(c, "renameat of a missing name", trenameat(6, "nothing", 6, "x"))
    p(c, "renameat from a file fid", trenameat(1, "h2", 6, "x"))
    p(c, "rename fid to a file dfid", trename(7, 1, "x"))
    p(c, "walk to the symlink again", twalk(6, 11, ["s"]))
    p(c, "rename s to s2", trename(11, 6, "s2"))
    p(c, "unlinkat unknown flags", tunlinkat(6, "h2", 0x12345))
    p(c, "unlinkat a file with AT_REMOVEDIR", tunlinkat(6, "h2", AT_REMOVEDIR))
    p(c, "unlinkat a directory without AT_REMOVEDIR", tunlinkat(0, "w", 0))
    p(c, "unlinkat a non-empty directory", tunlinkat(0, "w", AT_REMOVEDIR))
    p(c, "unlinkat h2", tunlinkat(6, "h2", 0))
    p(c, "clunk NOFID", tclunk(NOFID))
    p(c, "clunk an unknown fid", tclunk(999))
    p(c, "remove fid 7", tremove(7))
    p(c, "getattr of the removed fid", tgetattr(7))
    p(c, "clunk fid 0", tclunk(0))
    p(c, "walk from clunked fid 0", twalk(0, 8, []))
    p(c, "clunk fid 1", tclunk(1))
    p(c, "clunk fid 1 again", tclunk(1))
    p(c, "walk from the fid of a failed xattr clunk", twalk(4, 9, []))
    p(c, "walk to w/f for a huge read", twalk(6, 10, ["f"]))
    p(c, "lopen w/f", tlopen(10, O_RDONLY))
    p(c, "read count 2^32-1", tread(10, 0, 0xFFFFFFFF))  # last: diod closes the connection
    c.close()


def fields(run, c):
    """Every field of a request lands where the protocol puts it: set, then read back."""
    p = run.probe
    p(c, "fields: walk w", twalk(0, 30, ["w"]))
    p(c, "fields: lcreate mode 0640 gid 1234", tlcreate(30, "fld", O_RDWR | O_CREAT | O_EXCL, 0o640, 1234))
    p(c, "fields: write at 5", twrite(30, 5, b"ABCDEFGH"))
    p(c, "fields: read at 3", tread(30, 3, 6))
    p(c, "fields: getattr after create", tgetattr(30))
    p(c, "fields: setattr mode size atime mtime", tsetattr(30, 0x1 | 0x8 | 0x10 | 0x20 | 0x80 | 0x100, mode=0o604,
                                                          size=7, atime=(1000000001, 2), mtime=(1000000003, 4)))
    p(c, "fields: getattr after setattr", tgetattr(30))
    p(c, "fields: setattr uid gid", tsetattr(30, 0x2 | 0x4, uid=4321, gid=8765))
    p(c, "fields: getattr after chown", tgetattr(30))
    p(c, "fields: walk w again", twalk(0, 31, ["w"]))
    p(c, "fields: mkdir mode 0711 gid 99", tmkdir(31, "dd", 0o711, 99))
    p(c, "fields: mknod fifo 0600", tmknod(31, "ff", 0o10600, 3, 4, 0))
    p(c, "fields: walk to dd and ff", twalk(31, 32, ["dd"]))
    p(c, "fields: getattr dd", tgetattr(32))
    p(c, "fields: walk ff", twalk(31, 33, ["ff"]))
    p(c, "fields: getattr ff", tgetattr(33))
    p(c, "fields: xattrcreate user.k 5", txattrcreate(32, "user.k", 5, 0))
    p(c, "fields: xattr value", twrite(32, 0, b"value"))
    p(c, "fields: xattr commit", tclunk(32))
    p(c, "fields: walk dd", twalk(31, 34, ["dd"]))
    p(c, "fields: xattrwalk user.k", txattrwalk(34, 35, "user.k"))
    p(c, "fields: read user.k", tread(35, 0, 100))
    p(c, "fields: read user.k at 2", tread(35, 2, 100))
    p(c, "fields: xattrwalk list", txattrwalk(34, 36, ""))
    p(c, "fields: read the list", tread(36, 0, 100))
    p(c, "fields: lock 10+20 by proc 77", tlock(30, 1, 0, 10, 20, proc_id=77, client="a"))
    other = run.connect()
    p(other, "fields: walk w/fld on a second connection", twalk(0, 1, ["w", "fld"]))
    p(other, "fields: lopen it", tlopen(1, O_RDWR))
    p(other, "fields: getlock 0+100 from there", tgetlock(1, 0, 0, 100, proc_id=5, client="b"))
    p(other, "fields: lock 15+1 from there", tlock(1, 0, 0, 15, 1, proc_id=5, client="b"))
    p(other, "fields: getlock 40+10 from there", tgetlock(1, 1, 40, 10, proc_id=5, client="b"))
    other.close()
    for fid in (30, 31, 33, 34, 35, 36):
        run.rpc(c, tclunk(fid))


def policy(run):
    """VM alpha of the test policy: /base read-only, /secret hidden, /cache a quota of 1 MiB and 4 inodes."""
    c = run.connect()
    r = run.rpc
    r(c, twalk(0, 1, ["secret"]), name="hidden: walk", want="Rlerror ENOENT")
    r(c, twalk(0, 1, ["base", "..", "secret"]), name="hidden: walk through ..", want="Rwalk nwqid=2")
    r(c, twalk(0, 1, ["SECRET"]), name="hidden: walk in another case", want="Rlerror ENOENT")
    r(c, tlcreate(0, "secret", O_CREAT | O_RDWR, 0o644, 0), name="hidden: create", want="Rlerror ENOENT")
    r(c, twalk(0, 2, []), name="clone the root")
    r(c, tmkdir(2, "secret", 0o755, 0), name="hidden: mkdir", want="Rlerror ENOENT")
    r(c, tsymlink(2, "secret", "notes.txt", 0), name="hidden: symlink", want="Rlerror ENOENT")
    r(c, tmknod(2, "secret", 0o10644, 0, 0, 0), name="hidden: mknod", want="Rlerror ENOENT")
    r(c, twalk(0, 3, ["notes.txt"]), name="walk notes.txt", want="Rwalk nwqid=1")
    r(c, tlink(2, 3, "secret"), name="hidden: link onto", want="Rlerror ENOENT")
    r(c, trenameat(2, "notes.txt", 2, "secret"), name="hidden: renameat onto", want="Rlerror ENOENT")
    r(c, trenameat(2, "secret", 2, "x"), name="hidden: renameat from", want="Rlerror ENOENT")
    r(c, tunlinkat(2, "secret", AT_REMOVEDIR), name="hidden: unlinkat", want="Rlerror ENOENT")
    r(c, trename(3, 2, "secret"), name="hidden: rename onto", want="Rlerror ENOENT")
    r(c, txattrwalk(2, 4, "user.x"), name="xattrwalk of the root", want=["Rlerror ENODATA", "Rxattrwalk"])
    r(c, tlopen(2, O_RDONLY), name="lopen the root")
    r(c, treaddir(2, 0, 8192), name="readdir of the root hides secret",
      want="Rreaddir entries=.,..,base,cache,notes.txt")
    r(c, twalk(0, 5, ["base"]), name="walk base", want="Rwalk nwqid=1")
    r(c, tlcreate(5, "new", O_CREAT | O_RDWR, 0o644, 0), name="read-only: create", want="Rlerror EROFS")
    r(c, tmkdir(5, "d", 0o755, 0), name="read-only: mkdir", want="Rlerror EROFS")
    r(c, tsymlink(5, "l", "map.db", 0), name="read-only: symlink", want="Rlerror EROFS")
    r(c, tmknod(5, "p", 0o10644, 0, 0, 0), name="read-only: mknod", want="Rlerror EROFS")
    r(c, tlink(5, 3, "n"), name="read-only: link into", want="Rlerror EROFS")
    r(c, trenameat(0, "notes.txt", 5, "n"), name="read-only: renameat into", want="Rlerror EROFS")
    r(c, trenameat(5, "map.db", 0, "m"), name="read-only: renameat out", want="Rlerror EROFS")
    r(c, tunlinkat(5, "map.db", 0), name="read-only: unlinkat", want="Rlerror EROFS")
    r(c, trenameat(0, "base", 0, "b2"), name="read-only: rename the subtree", want=["Rlerror EROFS", "Rlerror EACCES"])
    r(c, tunlinkat(0, "base", AT_REMOVEDIR), name="read-only: rmdir the subtree",
      want=["Rlerror EROFS", "Rlerror EACCES", "Rlerror ENOTEMPTY"])
    r(c, twalk(5, 6, ["map.db"]), name="walk base/map.db", want="Rwalk nwqid=1")
    r(c, tsetattr(6, 0x1, mode=0o777), name="read-only: chmod", want="Rlerror EROFS")
    r(c, tsetattr(6, 0x8, size=0), name="read-only: truncate", want="Rlerror EROFS")
    r(c, tsetattr(6, 0x80 | 0x100, atime=(1, 0), mtime=(1, 0)), name="read-only: utimes", want="Rlerror EROFS")
    r(c, txattrcreate(6, "user.x", 1, 0), name="read-only: xattrcreate", want="Rlerror EROFS")
    r(c, twalk(5, 7, ["map.db"]), name="walk base/map.db again", want="Rwalk nwqid=1")
    r(c, trename(7, 0, "moved"), name="read-only: rename fid out", want="Rlerror EROFS")
    r(c, tlopen(7, O_WRONLY), name="read-only: open for writing", want="Rlerror EROFS")
    r(c, tlopen(7, O_RDONLY | O_TRUNC), name="read-only: open with O_TRUNC", want="Rlerror EROFS")
    r(c, tlopen(7, O_RDONLY), name="read-only: open for reading", want="Rlopen")
    r(c, twrite(7, 0, b"x"), name="read-only: write to a read open", want=["Rlerror EBADF", "Rlerror EROFS"])
    r(c, tlock(7, 1, 0, 0, 1), name="read-only: write lock on a read open", want=["Rlerror EROFS", "Rlerror EBADF"])
    r(c, twalk(0, 12, []), name="clone the root for a script")
    r(c, tlcreate(12, "x.sh", O_CREAT | O_RDWR, 0o644, 0), name="rule: create *.sh", want="Rlerror EACCES")
    r(c, twalk(0, 8, ["cache"]), name="walk cache", want="Rwalk nwqid=1")
    r(c, tlcreate(8, "big", O_CREAT | O_RDWR, 0o644, 0), name="quota: create", want="Rlcreate")
    r(c, twrite(8, 0, b"q" * 60000), name="quota: write within", want="Rwrite count=60000")
    r(c, twrite(8, 1 << 20, b"q"), name="quota: write past", want="Rlerror EDQUOT")
    r(c, tsetattr(8, 0x8, size=2 << 20), name="quota: grow by truncate", want="Rlerror EDQUOT")
    r(c, tsetattr(8, 0x8, size=1 << 62), name="quota: grow by a huge truncate", want=["Rlerror EDQUOT", "Rlerror EFBIG", "Rlerror EINVAL"])
    r(c, twrite(8, (1 << 63) - 2, b"xy"), name="quota: write at 2^63-2", want=["Rlerror EDQUOT", "Rlerror EFBIG", "Rlerror EINVAL"])
    r(c, twrite(8, 0xFFFFFFFFFFFFFFF0, b"xy"), name="quota: write at 2^64-16", want=["Rlerror EDQUOT", "Rlerror EFBIG", "Rlerror EINVAL"])
    for i in range(5):
        r(c, twalk(0, 20 + i, ["cache"]), name="walk cache %d" % i)
        r(c, tlcreate(20 + i, "n%d" % i, O_CREAT | O_RDWR, 0o644, 0), name="quota: inode %d" % i,
          want="Rlcreate" if i < 3 else "Rlerror EDQUOT")
    r(c, twalk(0, 9, ["cache"]), name="walk cache for mkdir")
    r(c, tmkdir(9, "d", 0o755, 0), name="quota: mkdir past the inodes", want="Rlerror EDQUOT")
    r(c, tsymlink(9, "l", "big", 0), name="quota: symlink past the inodes", want="Rlerror EDQUOT")
    r(c, tclunk(NOFID), name="clunk NOFID", want="Rlerror")
    r(c, tauth(10, "root", "data", 0), name="auth", want="Rlerror ENOENT")
    r(c, tattach(11, 10, "root", "data", 0), name="attach with an afid", want="Rlerror EINVAL")
    r(c, tattach(11, NOFID, "root", "other", 0), name="attach another VM's share", want="Rlerror ENOENT")
    c.close()


def main():
    address, aname, mode = sys.argv[1:4]
    run = Run(address, aname, mode)
    if mode != "diod":
        framing(run)
        in_flight(run)
    if mode in ("bare", "diod"):
        semantics(run)
    if mode == "policy":
        policy(run)
    if mode in ("bare", "policy"):
        reply_sizes(run)


if __name__ == "__main__":
    main()

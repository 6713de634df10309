package io.p9gate.gateway.compliance;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One 9P session as one VM, through the project's client, that knows the share-relative path behind every
 * fid. Each request is sent with what the policy says it must get ({@link Oracle}) and is logged as a
 * {@link Probe} for the audit check. Used from one thread.
 */
final class GuestSession implements AutoCloseable {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_TRUNC = 01000;
    static final int O_APPEND = 02000;
    static final int O_DIRECTORY = 0200000;
    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int AT_REMOVEDIR = 0x200;

    /** What a fid names: a share-relative path, and whether it has been opened (and how). */
    record FidInfo(String share, SharePath path, FidKind kind) {}

    enum FidKind {
        WALKED,
        OPENED,
        XATTR_READ,
        XATTR_WRITE
    }

    private final P9Client client;
    private final int connection;
    private final String vm;
    private final Oracle oracle;
    private final ProbeLog log;
    private final int uid;
    private final int gid;
    private final Map<Integer, FidInfo> fids = new HashMap<>();
    private int nextFid = 1;
    private String checkId = "";

    GuestSession(P9Client client, int connection, Oracle oracle, ProbeLog log, int uid, int gid) {
        this.client = client;
        this.connection = connection;
        this.vm = oracle.vm();
        this.oracle = oracle;
        this.log = log;
        this.uid = uid;
        this.gid = gid;
    }

    Oracle oracle() {
        return oracle;
    }

    /** The suite's number for this connection (its audit records are found by a walk naming it). */
    int connection() {
        return connection;
    }

    int uid() {
        return uid;
    }

    int gid() {
        return gid;
    }

    int msize() {
        return client.msize();
    }

    /** The check whose requests follow (their probes carry its id). */
    void begin(String id) {
        checkId = id;
    }

    FidInfo fid(int fid) {
        FidInfo info = fids.get(fid);
        if (info == null) {
            throw new IllegalStateException("the suite has no fid " + fid);
        }
        return info;
    }

    SharePath pathOf(int fid) {
        return fid(fid).path();
    }

    // ---- session ------------------------------------------------------------------------------

    Step attach(String share) throws IOException {
        int fid = nextFid++;
        Expected expected = oracle.decide(share, OpKind.WALK, SharePath.ROOT);
        boolean owned = oracle.engine().policy().vms().get(vm).shares().containsKey(share);
        Step step = send(
                "Tattach aname=" + quoted(share) + " n_uname=" + uid,
                new TMessage.Tattach(fid, TMessage.NOFID, "p9gate-compliance", share, uid),
                expected,
                "attach",
                SharePath.ROOT,
                owned ? AuditMode.REQUIRED : AuditMode.IF_RECORDED,
                fid);
        if (step.ok()) {
            fids.put(fid, new FidInfo(share, SharePath.ROOT, FidKind.WALKED));
        }
        return step;
    }

    /** Twalk to a new fid; an empty list clones {@code fid}. */
    Step walk(int fid, String... names) throws IOException {
        FidInfo from = fid(fid);
        List<String> list = List.of(names);
        SharePath target = Oracle.walked(from.path(), list);
        int newFid = nextFid++;
        Step step = send(
                "Twalk " + from.path() + " [" + String.join(", ", list) + "]",
                new TMessage.Twalk(fid, newFid, list),
                oracle.walk(from.share(), from.path(), list),
                "walk",
                target,
                AuditMode.REQUIRED,
                newFid);
        if (step.reply().partial() && step.reply().walked() == oracle.walkRefusedAt(from.share(), from.path(), list)) {
            step = step.withReply(step.reply().stoppedAtRefusal());
        }
        if (step.ok()) {
            fids.put(newFid, new FidInfo(from.share(), target, FidKind.WALKED));
        }
        return step;
    }

    /**
     * Walks from {@code fid} along the segments of {@code path} (relative to the fid's own path). A Twalk carries
     * at most 16 names (9P), and a guest's tree can be deeper: a longer path is walked 16 names at a time, each
     * Twalk from the fid the one before made (clunked once used). The step returned is the last one sent: the
     * whole walk's fid when it succeeded, else the walk that stopped short.
     */
    Step walkTo(int fid, SharePath path) throws IOException {
        List<String> names = path.segments();
        if (names.size() <= TMessage.MAXWELEM) {
            return walk(fid, names.toArray(String[]::new));
        }
        int from = fid;
        Step step = null;
        for (int i = 0; i < names.size(); i += TMessage.MAXWELEM) {
            List<String> part = names.subList(i, Math.min(names.size(), i + TMessage.MAXWELEM));
            step = walk(from, part.toArray(String[]::new));
            if (from != fid) {
                release(from);
            }
            if (!step.ok()) {
                return step;
            }
            from = step.newFid();
        }
        return step;
    }

    Step clunk(int fid) throws IOException {
        FidInfo info = fid(fid);
        boolean commits = info.kind() == FidKind.XATTR_WRITE;
        Expected expected = commits ? oracle.decide(info.share(), OpKind.XATTR_WRITE, info.path()) : null;
        Step step = send(
                "Tclunk " + info.path(),
                new TMessage.Tclunk(fid),
                expected,
                "clunk",
                info.path(),
                AuditMode.REQUIRED,
                -1);
        fids.remove(fid); // a clunk frees the fid even when it fails
        return step;
    }

    /** Clunks quietly: what a probe does to give its fids back (its own result does not matter). */
    void release(int fid) throws IOException {
        if (fids.containsKey(fid)) {
            clunk(fid);
        }
    }

    // ---- files --------------------------------------------------------------------------------

    Step lopen(int fid, int flags) throws IOException {
        FidInfo info = fid(fid);
        OpKind op = writes(flags) ? OpKind.OPEN_WRITE : OpKind.OPEN_READ;
        Step step = send(
                "Tlopen " + info.path() + " (" + flags(flags) + ")",
                new TMessage.Tlopen(fid, flags),
                oracle.decide(info.share(), op, info.path()),
                "lopen",
                info.path(),
                AuditMode.REQUIRED,
                -1);
        if (step.ok()) {
            fids.put(fid, new FidInfo(info.share(), info.path(), FidKind.OPENED));
        }
        return step;
    }

    /** Tlcreate: on success {@code dirFid} becomes the new file, opened. */
    Step lcreate(int dirFid, String name, int flags, int mode) throws IOException {
        FidInfo dir = fid(dirFid);
        SharePath path = dir.path().child(name);
        Step step = send(
                "Tlcreate " + path + " (" + flags(flags) + ", mode " + Integer.toOctalString(mode) + ")",
                new TMessage.Tlcreate(dirFid, name, flags, mode, gid),
                oracle.decide(dir.share(), OpKind.CREATE, path, null, gid),
                "lcreate",
                path,
                AuditMode.REQUIRED,
                -1);
        if (step.ok()) {
            fids.put(dirFid, new FidInfo(dir.share(), path, FidKind.OPENED));
        }
        return step;
    }

    Step read(int fid, long offset, int count) throws IOException {
        OpKind kind = fid(fid).kind() == FidKind.XATTR_READ ? OpKind.XATTR_READ : OpKind.OPEN_READ;
        return onFile(
                fid, "read", " offset " + offset + " count " + count, kind, new TMessage.Tread(fid, offset, count));
    }

    Step write(int fid, long offset, byte[] data) throws IOException {
        OpKind kind = fid(fid).kind() == FidKind.XATTR_WRITE ? OpKind.XATTR_WRITE : OpKind.OPEN_WRITE;
        TMessage request = new TMessage.Twrite(fid, offset, Unpooled.wrappedBuffer(data));
        return onFile(fid, "write", " offset " + offset + " count " + data.length, kind, request);
    }

    Step fsync(int fid) throws IOException {
        return onFile(fid, "fsync", "", OpKind.OPEN_WRITE, new TMessage.Tfsync(fid, 0));
    }

    Step getattr(int fid) throws IOException {
        return onFile(
                fid,
                "getattr",
                "",
                OpKind.GETATTR,
                new TMessage.Tgetattr(fid, io.p9gate.gateway.proto.Attr.GETATTR_ALL));
    }

    Step setattr(int fid, SetAttr attr, String what) throws IOException {
        return onFile(fid, "setattr", " (" + what + ")", OpKind.SETATTR, new TMessage.Tsetattr(fid, attr));
    }

    Step statfs(int fid) throws IOException {
        return onFile(fid, "statfs", "", OpKind.STATFS, new TMessage.Tstatfs(fid));
    }

    Step readlink(int fid) throws IOException {
        return onFile(fid, "readlink", "", OpKind.READLINK, new TMessage.Treadlink(fid));
    }

    Step readdir(int fid, long offset) throws IOException {
        return onFile(
                fid,
                "readdir",
                " offset " + offset,
                OpKind.READDIR,
                new TMessage.Treaddir(fid, offset, Math.min(65536, client.msize() - 11)));
    }

    Step lock(int fid, int type) throws IOException {
        return onFile(
                fid,
                "lock",
                " type " + type,
                OpKind.LOCK,
                new TMessage.Tlock(fid, type, 0, 0, 0, 1, "p9gate-compliance"));
    }

    Step getlock(int fid, int type) throws IOException {
        return onFile(
                fid,
                "getlock",
                " type " + type,
                OpKind.LOCK,
                new TMessage.Tgetlock(fid, type, 0, 0, 1, "p9gate-compliance"));
    }

    // ---- directory entries --------------------------------------------------------------------

    Step mkdir(int dirFid, String name, int mode) throws IOException {
        String more = " (mode " + Integer.toOctalString(mode) + ")";
        return newEntry(dirFid, name, "mkdir", more, OpKind.MKDIR, new TMessage.Tmkdir(dirFid, name, mode, gid));
    }

    Step symlink(int dirFid, String name, String target) throws IOException {
        TMessage request = new TMessage.Tsymlink(dirFid, name, target, gid);
        return newEntry(dirFid, name, "symlink", " -> " + quoted(target), OpKind.SYMLINK, request);
    }

    /** Tmknod of a FIFO: a special file that is never a device (R-CONF-2 is not what these probes test). */
    Step mkfifo(int dirFid, String name) throws IOException {
        TMessage request = new TMessage.Tmknod(dirFid, name, S_IFIFO | 0644, 0, 0, gid);
        return newEntry(dirFid, name, "mknod", " (fifo, mode 644)", OpKind.MKNOD, request);
    }

    /**
     * Tmknod of a character device, 1,3 (the host's /dev/null), asked as the share's {@code devices:} says
     * ({@link Oracle#device}); the caller sends it only over a name that exists, so a gateway that made device
     * nodes would answer EEXIST and make none.
     */
    Step mkchardev(int dirFid, String name) throws IOException {
        FidInfo dir = fid(dirFid);
        SharePath path = dir.path().child(name);
        return send(
                "Tmknod " + path + " (character device 1,3, mode 644)",
                new TMessage.Tmknod(dirFid, name, S_IFCHR | 0644, 1, 3, gid),
                oracle.device(dir.share(), path, gid),
                "mknod",
                path,
                AuditMode.REQUIRED,
                -1);
    }

    /** Tlink: a new name {@code name} in {@code dirFid} for the file of {@code targetFid}. */
    Step link(int dirFid, int targetFid, String name) throws IOException {
        FidInfo dir = fid(dirFid);
        FidInfo target = fid(targetFid);
        SharePath path = dir.path().child(name);
        return send(
                "Tlink " + target.path() + " as " + path,
                new TMessage.Tlink(dirFid, targetFid, name),
                oracle.decide(dir.share(), OpKind.LINK, target.path(), path, Oracle.NO_GID),
                "link",
                target.path(),
                AuditMode.REQUIRED,
                -1);
    }

    Step renameat(int oldDirFid, String oldName, int newDirFid, String newName) throws IOException {
        FidInfo oldDir = fid(oldDirFid);
        FidInfo newDir = fid(newDirFid);
        SharePath from = oldDir.path().child(oldName);
        SharePath to = newDir.path().child(newName);
        return send(
                "Trenameat " + from + " -> " + to,
                new TMessage.Trenameat(oldDirFid, oldName, newDirFid, newName),
                oracle.decide(oldDir.share(), OpKind.RENAME, from, to, Oracle.NO_GID),
                "renameat",
                from,
                AuditMode.REQUIRED,
                -1);
    }

    Step unlinkat(int dirFid, String name, int flags) throws IOException {
        FidInfo dir = fid(dirFid);
        SharePath path = dir.path().child(name);
        return send(
                "Tunlinkat " + path + ((flags & AT_REMOVEDIR) != 0 ? " (AT_REMOVEDIR)" : ""),
                new TMessage.Tunlinkat(dirFid, name, flags),
                oracle.decide(dir.share(), OpKind.REMOVE, path),
                "unlinkat",
                path,
                AuditMode.REQUIRED,
                -1);
    }

    // ---- extended attributes ------------------------------------------------------------------

    /** Txattrwalk: a new fid reading attribute {@code name} (or, for "", the list of names). */
    Step xattrwalk(int fid, String name) throws IOException {
        FidInfo info = fid(fid);
        int newFid = nextFid++;
        Step step = send(
                "Txattrwalk " + info.path() + " " + quoted(name),
                new TMessage.Txattrwalk(fid, newFid, name),
                oracle.decide(info.share(), OpKind.XATTR_READ, info.path()),
                "xattrwalk",
                info.path(),
                AuditMode.REQUIRED,
                newFid);
        if (step.ok()) {
            fids.put(newFid, new FidInfo(info.share(), info.path(), FidKind.XATTR_READ));
        }
        return step;
    }

    /** Txattrcreate: on success {@code fid} takes the value (Twrite) and the Tclunk sets it. */
    Step xattrcreate(int fid, String name, long size) throws IOException {
        FidInfo info = fid(fid);
        Step step = send(
                "Txattrcreate " + info.path() + " " + quoted(name) + " size " + size,
                new TMessage.Txattrcreate(fid, name, size, 0),
                oracle.decide(info.share(), OpKind.XATTR_WRITE, info.path()),
                "xattrcreate",
                info.path(),
                AuditMode.REQUIRED,
                -1);
        if (step.ok()) {
            fids.put(fid, new FidInfo(info.share(), info.path(), FidKind.XATTR_WRITE));
        }
        return step;
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** A request on its way: everything its step and probe need once the reply is in. */
    private record InFlight(
            String text,
            TMessage request,
            Expected expected,
            String op,
            SharePath path,
            AuditMode mode,
            int newFid,
            PendingCall call) {}

    /**
     * A request on {@code fid}'s file that makes no fid: shown as "T{@code op} path{@code more}", decided as
     * {@code kind} on the fid's path and recorded as {@code op}.
     */
    private Step onFile(int fid, String op, String more, OpKind kind, TMessage request) throws IOException {
        FidInfo info = fid(fid);
        return send(
                "T" + op + " " + info.path() + more,
                request,
                oracle.decide(info.share(), kind, info.path()),
                op,
                info.path(),
                AuditMode.REQUIRED,
                -1);
    }

    /**
     * A request making the entry {@code name} in {@code dirFid} owned by this session's gid: shown as
     * "T{@code op} path{@code more}", decided as {@code kind} on the new path and recorded as {@code op}.
     */
    private Step newEntry(int dirFid, String name, String op, String more, OpKind kind, TMessage request)
            throws IOException {
        FidInfo dir = fid(dirFid);
        SharePath path = dir.path().child(name);
        return send(
                "T" + op + " " + path + more,
                request,
                oracle.decide(dir.share(), kind, path, null, gid),
                op,
                path,
                AuditMode.REQUIRED,
                -1);
    }

    private Step send(
            String text, TMessage request, Expected expected, String op, SharePath path, AuditMode mode, int newFid)
            throws IOException {
        return complete(new InFlight(text, request, expected, op, path, mode, newFid, client.send(request)));
    }

    /**
     * Tmkdir of every name in {@code dirFid}, with up to {@code window} requests outstanding at once (the
     * gateway serves a connection's requests concurrently, R-PROTO-3): what fills an inode quota quickly.
     */
    List<Step> mkdirs(int dirFid, List<String> names, int window) throws IOException {
        FidInfo dir = fid(dirFid);
        return pipelined(names, window, name -> {
            SharePath path = dir.path().child(name);
            TMessage request = new TMessage.Tmkdir(dirFid, name, 0755, gid);
            return new InFlight(
                    "Tmkdir " + path + " (mode 755)",
                    request,
                    oracle.decide(dir.share(), OpKind.MKDIR, path, null, gid),
                    "mkdir",
                    path,
                    AuditMode.REQUIRED,
                    -1,
                    client.send(request));
        });
    }

    /** Tunlinkat of every name in {@code dirFid}, pipelined like {@link #mkdirs}. */
    List<Step> unlinkats(int dirFid, List<String> names, int flags, int window) throws IOException {
        FidInfo dir = fid(dirFid);
        return pipelined(names, window, name -> {
            SharePath path = dir.path().child(name);
            TMessage request = new TMessage.Tunlinkat(dirFid, name, flags);
            return new InFlight(
                    "Tunlinkat " + path,
                    request,
                    oracle.decide(dir.share(), OpKind.REMOVE, path),
                    "unlinkat",
                    path,
                    AuditMode.REQUIRED,
                    -1,
                    client.send(request));
        });
    }

    private List<Step> pipelined(List<String> names, int window, Function<String, InFlight> start) throws IOException {
        ArrayDeque<InFlight> flying = new ArrayDeque<>();
        List<Step> steps = new ArrayList<>();
        for (String name : names) {
            if (flying.size() >= window) {
                steps.add(complete(flying.poll()));
            }
            flying.add(start.apply(name));
        }
        while (!flying.isEmpty()) {
            steps.add(complete(flying.poll()));
        }
        return steps;
    }

    private Step complete(InFlight f) throws IOException {
        Reply reply;
        try {
            reply = reply(f.request(), client.await(f.call()));
        } catch (P9Exception e) {
            reply = Reply.failed(e.errno());
        }
        String decision = f.expected() == null ? null : f.expected().allowed() ? "allow" : "deny";
        Probe probe = new Probe(
                connection,
                vm,
                f.call().tag(),
                f.op(),
                f.path().toString(),
                f.mode(),
                reply.partial() ? null : reply.errno(),
                reply.partial(),
                decision,
                f.expected() == null || f.expected().allowed()
                        ? List.of()
                        : f.expected().ruleIds(),
                checkId);
        log.add(probe);
        return new Step(f.text(), f.expected(), reply, reply.ok() ? f.newFid() : -1, probe);
    }

    private static Reply reply(TMessage request, RMessage message) {
        return switch (message) {
            case RMessage.Rread r -> {
                try {
                    yield new Reply(message, null, false, ByteBufUtil.getBytes(r.data()), false);
                } finally {
                    r.data().release();
                }
            }
            case RMessage.Rwalk w
            when request instanceof TMessage.Twalk t
                    && w.qids().size() < t.names().size() -> new Reply(message, null, true, null, false);
            default -> Reply.of(message);
        };
    }

    static boolean writes(int flags) {
        return (flags & 3) != O_RDONLY || (flags & (O_TRUNC | O_APPEND)) != 0;
    }

    static String flags(int flags) {
        StringBuilder b = new StringBuilder(
                switch (flags & 3) {
                    case O_WRONLY -> "O_WRONLY";
                    case O_RDWR -> "O_RDWR";
                    case O_RDONLY -> "O_RDONLY";
                    default -> "O_ACCMODE";
                });
        if ((flags & O_CREAT) != 0) b.append("|O_CREAT");
        if ((flags & O_EXCL) != 0) b.append("|O_EXCL");
        if ((flags & O_TRUNC) != 0) b.append("|O_TRUNC");
        if ((flags & O_APPEND) != 0) b.append("|O_APPEND");
        if ((flags & O_DIRECTORY) != 0) b.append("|O_DIRECTORY");
        return b.toString();
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    @Override
    public void close() {
        client.close();
    }
}

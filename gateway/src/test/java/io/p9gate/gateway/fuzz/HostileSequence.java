package io.p9gate.gateway.fuzz;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The hostile VM's requests for {@link PolicyFuzzTest}: a third of them {@link RequestSequence}'s (whose names
 * {@code d}, {@code e}, {@code sub} are read-only here), the rest aimed at the boundaries of {@link HostileTree}'s
 * protected places: walks into and out of them ({@code ..} included), renames and links across them both ways,
 * symlinks into them, xattrs and setattr on protected files, creates in read-only places, writes across the quota,
 * listings of hidden names' parents, locks, flushed changes, attaches as unmapped ids. Each call gives a short
 * script; a {@link Script#twins() twin} script asks the same of a hidden name that exists and one that does not,
 * which must be answered alike.
 */
final class HostileSequence {
    /** Each connection walks these once, before the sequence, and keeps them: directory fids the scripts name. */
    static final int ROOT = 20;

    static final int W = 21;
    static final int Q = 22;
    static final int D = 23;
    static final int DROP = 24;
    static final List<List<String>> ANCHORS =
            List.of(List.of(), List.of("w"), List.of(HostileTree.QUOTA), List.of("d"), List.of("drop"));
    /** Fids a script walks, uses and clunks; the next script that takes one clunks it first. */
    static final int[] TEMP = {25, 26, 27, 28, 29};

    static final int TWIN = 30;

    private static final List<String> NAMES = List.of(
            "vault",
            "ghost",
            "key",
            "inner",
            "deep",
            "lnk",
            "d",
            "e",
            "sub",
            "w",
            "cfg",
            "conf",
            "private",
            "note",
            "nohere",
            "pub",
            "shared",
            "gw",
            "drop",
            "letter",
            "q",
            "seed",
            "run.sh",
            "tok",
            "tov",
            "tod",
            "toletter",
            "a",
            "l",
            "..",
            ".",
            "x.sh",
            "new");
    private static final List<List<String>> PATHS = List.of(
            List.of("vault"),
            List.of("vault", "key"),
            List.of("vault", HostileTree.SECRET + "-name"),
            List.of("ghost", "key"),
            List.of("d", "..", "vault"),
            List.of("w", "..", "vault", "key"),
            List.of("q", "..", "..", "vault"),
            List.of("..", "vault"),
            List.of("w", "private", "note"),
            List.of("w", "private", ".."),
            List.of("w", "cfg", "conf"),
            List.of("w", "gw"),
            List.of("d", "e"),
            List.of("d", "sub"),
            List.of("drop", "letter"),
            List.of("tok"),
            List.of("tov"),
            List.of("tod"),
            List.of("toletter"),
            List.of("run.sh"),
            List.of("q", "seed"),
            List.of("w", "pub", "shared"),
            List.of("a"));
    /** Regular files under each kind of rule: free, quota, read-only, the other VM's share, drop box, protected. */
    private static final List<List<String>> SPREAD_FILES = List.of(
            List.of("a"),
            List.of("q", "seed"),
            List.of("d", "e"),
            List.of("w", "pub", "shared"),
            List.of("w", "cfg", "conf"),
            List.of("drop", "letter"),
            List.of("run.sh"));
    /** Directories listed a page at a time: some hold hidden names. */
    private static final List<List<String>> LISTED =
            List.of(List.of(), List.of("w"), List.of("q"), List.of("d"), List.of("w", "pub"), List.of("drop"));

    private static final List<String> TARGETS = List.of(
            "vault/key",
            "../vault",
            "/vault/key",
            "../../vault",
            "w/private/note",
            "tok",
            "d/e",
            "drop/letter",
            "private/note",
            "..");
    private static final List<String> XATTRS = List.of(
            "user.k",
            "user.secret",
            "user.p9gate.host-uid",
            "user.p9gate.mode",
            "security.capability",
            "trusted.x",
            "system.posix_acl_access");
    /** Twin pairs: the anchor holding them, a hidden name there that exists, one that does not. */
    private static final int[] TWIN_ANCHORS = {ROOT, W};

    private static final String[][] TWIN_NAMES = {{"vault", "ghost"}, {"private", "nohere"}};

    /** A script; {@code twins} holds the indices of two steps that must be answered alike, or is empty. */
    record Script(List<FuzzStep> steps, List<Integer> twins) {}

    private final Random random;
    private final RequestSequence base;
    private final int connections;
    private int temp;

    HostileSequence(long seed, int connections) {
        this.random = new Random(seed * 31 + 7);
        this.base = new RequestSequence(seed, connections);
        this.connections = connections;
    }

    /** Follows the fids every request made or freed (the anchors' own walks are not told). */
    void answered(int conn, TMessage request, String shape) {
        base.answered(conn, request, shape);
    }

    Script next() {
        int conn = random.nextInt(connections);
        if (random.nextInt(3) == 0) {
            return new Script(List.of(base.next()), List.of());
        }
        List<FuzzStep> s = new ArrayList<>();
        switch (random.nextInt(21)) {
            case 0, 1 -> s.add(step(conn, new TMessage.Twalk(from(conn), base.newFid(conn), names())));
            case 2, 3 -> {
                return twins(conn);
            }
            case 4 -> s.add(create(conn, anchor(), name(), s));
            case 5 -> s.add(step(conn, new TMessage.Trenameat(anchor(), name(), anchor(), name())));
            case 6 -> s.add(step(conn, new TMessage.Trename(base.heldFid(conn), anchor(), name())));
            case 7 -> {
                int t = walkTemp(conn, base.pick(PATHS), s);
                s.add(step(conn, new TMessage.Tlink(anchor(), t, name())));
            }
            case 8 -> xattr(conn, s);
            case 9 -> {
                int t = walkTemp(conn, base.pick(PATHS), s);
                s.add(step(conn, new TMessage.Tsetattr(t, setattr())));
            }
            case 10 -> quotaWrite(conn, s);
            case 11 -> {
                int t = walkTemp(conn, random.nextBoolean() ? List.of() : base.pick(PATHS), s);
                s.add(step(conn, new TMessage.Tlopen(t, 0200000)));
                s.add(step(conn, new TMessage.Treaddir(t, 0, base.pickInt(64, 200, 8192))));
            }
            case 12 -> {
                int t = walkTemp(conn, base.pick(PATHS), s);
                s.add(step(conn, new TMessage.Tlopen(t, base.pickInt(0, 2, 01000, 0400000, 0200000, 01))));
                s.add(step(conn, new TMessage.Tread(t, base.pickLong(0, 32, 4096), 8192)));
                if (random.nextBoolean()) {
                    s.add(step(conn, new TMessage.Tlock(t, random.nextInt(2), 0, 0, 0, 300 + conn, "hostile")));
                }
            }
            case 13 -> s.add(flushed(conn));
            case 14 -> s.add(step(conn, new TMessage.Tunlinkat(anchor(), name(), random.nextBoolean() ? 0x200 : 0)));
            case 15 -> {
                int fid = base.newFid(conn);
                int uid = base.pickInt(0, 1000, 70000, -1);
                s.add(step(conn, new TMessage.Tattach(fid, -1, "hostile", "h", uid)));
                s.add(step(conn, new TMessage.Tmkdir(fid, name(), 0755, base.pickInt(0, 70000))));
            }
            case 16 -> {
                int t = walkTemp(conn, base.pick(PATHS), s);
                s.add(step(
                        conn,
                        random.nextBoolean() ? new TMessage.Treadlink(t) : new TMessage.Tgetattr(t, Attr.GETATTR_ALL)));
            }
            case 17 -> acrossRules(conn, s);
            case 18 -> pagedListing(conn, s);
            case 19 -> locks(conn, s);
            default -> {
                int t = walkTemp(conn, base.pick(PATHS), s);
                s.add(step(conn, new TMessage.Tremove(t)));
            }
        }
        return new Script(s, List.of());
    }

    /**
     * A protected place's ancestor renamed (which would carry a hidden or read-only subtree to a name without the
     * rule), or a file linked or moved between subtrees under different rules (read-only, quota, the other VM's share).
     */
    private void acrossRules(int conn, List<FuzzStep> s) {
        switch (random.nextInt(3)) {
            case 0 ->
                s.add(step(
                        conn,
                        new TMessage.Trenameat(
                                base.pick(List.of(ROOT, ROOT, W)),
                                base.pick(List.of("w", "d", "drop", "q", "vault", "private", "cfg", "gw", "pub")),
                                base.pick(List.of(ROOT, W, Q, D)),
                                base.pick(List.of("new", "moved", "pub")))));
            case 1 -> {
                int t = walkTemp(conn, base.pick(SPREAD_FILES), s);
                s.add(step(conn, new TMessage.Tlink(base.pick(List.of(ROOT, W, Q, D, DROP)), t, "new")));
            }
            default ->
                s.add(step(
                        conn,
                        new TMessage.Trenameat(
                                base.pick(List.of(ROOT, W, Q, D, DROP)),
                                base.pick(List.of("a", "seed", "e", "letter", "pub", "new", "f0")),
                                base.pick(List.of(ROOT, W, Q, D, DROP)),
                                base.pick(List.of("new", "f1", "gw", "moved")))));
        }
    }

    /**
     * A directory listed a page at a time, each page from the offset the last one ended at (which may be another
     * directory's, left on the fid by an earlier listing): hidden entries must stay out of every page.
     */
    private void pagedListing(int conn, List<FuzzStep> s) {
        int t = walkTemp(conn, base.pick(LISTED), s);
        s.add(step(conn, new TMessage.Tlopen(t, 0200000)));
        int count = base.pickInt(40, 64, 100);
        for (int page = 1 + random.nextInt(4); page > 0; page--) {
            s.add(FuzzStep.of(
                    conn,
                    "Treaddir[fid=" + t + ", offset=<continued>, count=" + count + "]",
                    target -> new TMessage.Treaddir(t, target.continuation(conn, t), count)));
        }
    }

    /** Byte-range locks and lock queries, edge ranges included, on files under different rules. */
    private void locks(int conn, List<FuzzStep> s) {
        int t = walkTemp(conn, base.pick(SPREAD_FILES), s);
        s.add(step(conn, new TMessage.Tlopen(t, base.pickInt(0, 1, 2))));
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            long start = base.pickLong(0, 1, 10, Long.MAX_VALUE - 1, -1);
            long length = base.pickLong(0, 1, 100, Long.MAX_VALUE);
            s.add(step(
                    conn,
                    random.nextInt(3) == 0
                            ? new TMessage.Tgetlock(t, random.nextInt(2), start, length, 500, "other")
                            : new TMessage.Tlock(
                                    t, random.nextInt(3), random.nextInt(2), start, length, 300 + conn, "hostile")));
        }
    }

    /** The same request on a hidden name that exists and on one that does not, each followed by a clunk. */
    private Script twins(int conn) {
        int pair = random.nextInt(TWIN_ANCHORS.length);
        int dir = TWIN_ANCHORS[pair];
        List<FuzzStep> s = new ArrayList<>();
        List<Integer> twins = new ArrayList<>();
        int shape = random.nextInt(9);
        List<String> suffix = base.pick(List.of(List.of(), List.of("key"), List.of(".."), List.of("inner", "deep")));
        String target = base.pick(TARGETS);
        int flags = base.pickInt(0, 2, 0100, 0300, 01000);
        int unlinkFlags = random.nextBoolean() ? 0x200 : 0;
        for (String name : TWIN_NAMES[pair]) {
            List<String> walk = new ArrayList<>(List.of(name));
            walk.addAll(suffix);
            if (shape == 8) {
                s.add(step(conn, new TMessage.Twalk(dir, TWIN, List.of())));
            }
            TMessage request = switch (shape) {
                case 0 -> new TMessage.Twalk(dir, TWIN, List.copyOf(walk));
                case 1 -> new TMessage.Tmkdir(dir, name, 0755, 0);
                case 2 -> new TMessage.Tsymlink(dir, name, target, 0);
                case 3 -> new TMessage.Tmknod(dir, name, 0100644, 0, 0, 0);
                case 4 -> new TMessage.Tunlinkat(dir, name, unlinkFlags);
                case 5 -> new TMessage.Trenameat(dir, name, Q, "moved");
                case 6 -> new TMessage.Trenameat(Q, "seed", dir, name);
                case 7 -> new TMessage.Tlink(dir, 0, name);
                default -> new TMessage.Tlcreate(TWIN, name, flags | 0100, 0644, 0);
            };
            twins.add(s.size());
            s.add(step(conn, request));
            s.add(step(conn, new TMessage.Tclunk(TWIN)));
        }
        return new Script(s, twins);
    }

    private FuzzStep create(int conn, int dir, String name, List<FuzzStep> s) {
        return switch (random.nextInt(4)) {
            case 0 -> {
                int t = walkTemp(conn, ANCHORS.get(dir - ROOT), s);
                yield step(conn, new TMessage.Tlcreate(t, name, base.pickInt(0100, 0102, 0301, 01102), 0644, 0));
            }
            case 1 -> step(conn, new TMessage.Tmkdir(dir, name, base.pickInt(0755, 02777), 0));
            case 2 -> step(conn, new TMessage.Tsymlink(dir, name, base.pick(TARGETS), 0));
            default -> step(conn, new TMessage.Tmknod(dir, name, base.pickInt(0100644, 0104755), 0, 0, 0));
        };
    }

    private void xattr(int conn, List<FuzzStep> s) {
        int t = walkTemp(conn, base.pick(PATHS), s);
        String name = base.pick(XATTRS);
        if (random.nextBoolean()) {
            int x = TEMP[(temp + 1) % TEMP.length];
            s.add(step(conn, new TMessage.Tclunk(x)));
            s.add(step(conn, new TMessage.Txattrwalk(t, x, random.nextBoolean() ? "" : name)));
            s.add(step(conn, new TMessage.Tread(x, 0, 4096)));
            s.add(step(conn, new TMessage.Tclunk(x)));
            return;
        }
        byte[] value = ("hostile " + random.nextInt(1000)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        s.add(step(conn, new TMessage.Txattrcreate(t, name, value.length, random.nextInt(3))));
        s.add(write(conn, t, 0, value));
        s.add(step(conn, new TMessage.Tclunk(t)));
    }

    /** A file in the quota's scope written across its limit, grown by setattr, or linked and moved into it. */
    private void quotaWrite(int conn, List<FuzzStep> s) {
        String name = "f" + random.nextInt(6);
        switch (random.nextInt(5)) {
            case 0, 1 -> {
                int t = walkTemp(conn, List.of(HostileTree.QUOTA), s);
                s.add(step(conn, new TMessage.Tlcreate(t, name, 0102, 0644, 0)));
                byte[] data = new byte[base.pickInt(4096, 30000, 60000)];
                random.nextBytes(data);
                long offset = base.pickLong(0, 100_000, 200_000, 250_000, HostileTree.QUOTA_BYTES - 1);
                s.add(write(conn, t, offset, data));
                if (random.nextBoolean()) {
                    s.add(step(conn, new TMessage.Tsetattr(t, sized(base.pickLong(0, 300_000, 1 << 20)))));
                }
            }
            case 2 -> s.add(step(conn, new TMessage.Tmkdir(Q, name, 0755, 0)));
            case 3 ->
                s.add(step(
                        conn,
                        new TMessage.Trenameat(
                                base.pick(List.of(ROOT, W, D)),
                                base.pick(List.of("a", "pub", "sub", "new")),
                                Q,
                                name)));
            default -> {
                int t = walkTemp(conn, base.pick(List.of(List.of("a"), List.of("q", "seed"), List.of("f.txt"))), s);
                s.add(step(conn, new TMessage.Tlink(Q, t, name)));
            }
        }
    }

    private FuzzStep flushed(int conn) {
        TMessage request = switch (random.nextInt(3)) {
            case 0 -> new TMessage.Tmkdir(anchor(), name(), 0755, 0);
            case 1 -> new TMessage.Trenameat(anchor(), name(), anchor(), name());
            default -> new TMessage.Tsymlink(anchor(), name(), base.pick(TARGETS), 0);
        };
        return new FuzzStep(conn, "Tflush of " + request, t -> request, true, true, false, "");
    }

    /** Clunks the next temporary fid and walks it from the root to {@code path}; returns it. */
    private int walkTemp(int conn, List<String> path, List<FuzzStep> s) {
        temp = (temp + 1) % TEMP.length;
        int t = TEMP[temp];
        s.add(step(conn, new TMessage.Tclunk(t)));
        s.add(step(conn, new TMessage.Twalk(ROOT, t, path)));
        return t;
    }

    private FuzzStep write(int conn, int fid, long offset, byte[] data) {
        return FuzzStep.of(
                conn,
                "Twrite[fid=" + fid + ", offset=" + offset + ", bytes=" + data.length + "]",
                t -> new TMessage.Twrite(fid, offset, Unpooled.wrappedBuffer(data)));
    }

    private static FuzzStep step(int conn, TMessage request) {
        return FuzzStep.of(conn, request.toString(), t -> request);
    }

    private List<String> names() {
        if (random.nextBoolean()) {
            return base.pick(PATHS);
        }
        List<String> out = new ArrayList<>();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            out.add(name());
        }
        return out;
    }

    private int from(int conn) {
        return switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> anchor();
            default -> base.heldFid(conn);
        };
    }

    private int anchor() {
        return ROOT + random.nextInt(ANCHORS.size());
    }

    private String name() {
        return base.pick(NAMES);
    }

    private SetAttr setattr() {
        return switch (random.nextInt(5)) {
            case 0 -> sized(base.pickLong(0, 1, 1 << 20));
            case 1 -> new SetAttr(SetAttr.SETATTR_MODE, base.pickInt(0777, 04755, 0), 0, 0, 0, 0, 0, 0, 0);
            case 2 ->
                new SetAttr(
                        SetAttr.SETATTR_UID | SetAttr.SETATTR_GID,
                        0,
                        base.pickInt(1000, 70000, -1),
                        2000,
                        0,
                        0,
                        0,
                        0,
                        0);
            case 3 ->
                new SetAttr(
                        SetAttr.SETATTR_ATIME
                                | SetAttr.SETATTR_MTIME
                                | SetAttr.SETATTR_ATIME_SET
                                | SetAttr.SETATTR_MTIME_SET,
                        0,
                        0,
                        0,
                        0,
                        5,
                        0,
                        5,
                        0);
            default -> new SetAttr(random.nextInt(0x200), 0600, 1000, 1000, 7, 0, 0, 0, 0);
        };
    }

    private static SetAttr sized(long size) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, size, 0, 0, 0, 0);
    }
}

package io.p9gate.gateway.fuzz;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random but well-formed 9P2000.L requests from one seed: the same seed gives every server the same sequence. Fids
 * are few (so that walks, opens and clunks meet), names come from a small vocabulary of the fresh tree's entries,
 * {@code ..}, {@code .} and over-long names; flags, modes, offsets and counts are picked from edge values.
 */
final class RequestSequence {
    static final int FIDS = 10;
    /** Fids no request means to set up: requests on them are on an unknown fid. */
    static final int[] UNUSED_FIDS = {1000, 1001};

    private static final String LONG = "n".repeat(255);
    private static final List<String> NAMES =
            List.of("a", "b", "d", "e", "sub", "l", "dl", "dangling", "f.txt", "new", "n2", "..", ".", "nope", LONG);
    private static final List<String> ENTRY_NAMES =
            List.of("a", "b", "d", "e", "sub", "l", "new", "n2", "x", "y", LONG);
    private static final int[] OPEN_FLAGS = {
        0, 1, 2, 01000, 02000, 0100, 0200, 0200000, 0400000, 04000, 040000, 04010000, 010000000, 01000000
    };
    private static final long[] OFFSETS = {0, 1, 4095, 4096, 9999, 1L << 31, 1L << 40, Long.MAX_VALUE, -1L};
    private static final int[] COUNTS = {0, 1, 7, 100, 4096, 8192, 65536, Integer.MAX_VALUE};
    private static final int[] MODES = {0644, 0600, 0755, 0777, 0, 01777, 04755, 02755, 0444};
    /**
     * What the sequence's symlinks point at. The absolute one leads out of every tree but to nothing: diod, the
     * differential fuzzer's reference, runs as root and follows links on the host, so a link to a host file (it was
     * {@code /etc/passwd}) let a later open and write through it rewrite that file (seed 1151 left a 2 GiB
     * {@code /etc/passwd} of random bytes). {@link RequestSequenceHostSafetyTest} keeps it so.
     */
    static final List<String> SYMLINK_TARGETS =
            List.of("a", "d", "../a", "nope", "/nonexistent-p9gate-fuzz/passwd", "x".repeat(300));

    private static final List<String> XATTRS = List.of("user.k", "user.empty", "user." + "x".repeat(250), "");

    private final Random random;
    private final int connections;
    /** Per connection, the fids the reference server holds: a new fid is picked among the others. */
    private final java.util.BitSet[] used;
    /** What the reference's fids are: the facts of each request. */
    private final FidModel model = new FidModel();

    RequestSequence(long seed, int connections) {
        this.random = new Random(seed);
        this.connections = connections;
        this.used = new java.util.BitSet[connections];
        for (int c = 0; c < connections; c++) {
            used[c] = new java.util.BitSet();
            used[c].set(0);
            model.attached(c, 0); // DifferentialRun attaches fid 0 on every connection first
        }
    }

    /** Follows the reference's fid table: what a request made or freed, by its reply. */
    void answered(int conn, TMessage request, String shape) {
        model.answered(conn, request, shape);
        boolean ok = !shape.startsWith("Rlerror") && !shape.startsWith("NO REPLY");
        switch (request) {
            case TMessage.Twalk(int fid, int newfid, List<String> names)
            when ok && shape.split("qid.type").length - 1 == names.size() -> used[conn].set(newfid);
            case TMessage.Tattach(int fid, int afid, String u, String a, int n) when ok -> used[conn].set(fid);
            case TMessage.Txattrwalk(int fid, int newfid, String name) when ok -> used[conn].set(newfid);
            case TMessage.Tclunk(int fid) -> used[conn].clear(fid);
            case TMessage.Tremove(int fid) -> used[conn].clear(fid);
            default -> {}
        }
    }

    FuzzStep next() {
        int conn = random.nextInt(connections);
        int fid = heldFid(conn);
        int op = random.nextInt(34);
        return switch (op) {
            case 0, 1, 2, 3 -> walk(conn);
            case 4, 5 -> step(conn, new TMessage.Tlopen(fid, openFlags()));
            case 6 -> step(conn, new TMessage.Tlcreate(fid, entryName(), openFlags() | 0100, mode(), 0));
            case 7, 8 -> step(conn, new TMessage.Tread(fid, offset(), count()));
            case 9, 10 -> write(conn, fid);
            case 11 ->
                step(
                        conn,
                        new TMessage.Tgetattr(
                                fid, random.nextBoolean() ? Attr.GETATTR_ALL : random.nextLong(1L << 15)));
            case 12 -> {
                SetAttr attr = setattr();
                FuzzStep s = step(conn, new TMessage.Tsetattr(fid, attr));
                // A size with other fields: diod applies the fields before the size fails (EISDIR on a directory),
                // p9gate checks first and applies none, as notify_change does.
                yield attr.has(SetAttr.SETATTR_SIZE) && attr.valid() != SetAttr.SETATTR_SIZE ? s.onlyToP9gate() : s;
            }
            case 13 -> step(conn, new TMessage.Tmkdir(fid, entryName(), mode(), 0));
            case 14 ->
                step(
                        conn,
                        new TMessage.Tunlinkat(
                                fid, entryName(), random.nextInt(4) == 0 ? 1 : random.nextBoolean() ? 0x200 : 0));
            case 15 -> step(conn, new TMessage.Trenameat(fid, entryName(), heldFid(conn), entryName()));
            case 16 -> step(conn, new TMessage.Trename(fid, heldFid(conn), entryName()));
            case 17 -> step(conn, new TMessage.Tsymlink(fid, entryName(), pick(SYMLINK_TARGETS), 0));
            case 18 -> step(conn, new TMessage.Tlink(fid, heldFid(conn), entryName()));
            case 19 -> step(conn, new TMessage.Treadlink(fid));
            case 20, 21 -> readdir(conn, fid);
            case 22 -> {
                int newfid = newFid(conn);
                FuzzStep s = step(conn, new TMessage.Txattrwalk(fid, newfid, pick(XATTRS)));
                yield used[conn].get(newfid) ? s.onlyToP9gate() : s;
            }
            case 23 -> {
                String name = pick(XATTRS);
                long size = pickLong(0, 1, 5, 100, 65536, 1L << 20);
                int flags = random.nextInt(4);
                FuzzStep s = step(conn, new TMessage.Txattrcreate(fid, name, size, flags));
                // What setxattr(2) refuses whatever the file (a value over 64 KiB, an empty name) p9gate refuses at
                // once; diod takes it and later fails or drops the connection, its fid no longer the reference's.
                // Both flags at once p9gate takes, as setxattr(2) does (the file's attribute decides: EEXIST or
                // ENODATA at the commit).
                yield size > 65536 || name.isEmpty() ? s.onlyToP9gate() : s;
            }
            case 24 -> step(conn, new TMessage.Tfsync(fid, random.nextInt(2)));
            case 25 -> step(conn, new TMessage.Tstatfs(fid));
            case 26 ->
                step(
                        conn,
                        new TMessage.Tlock(
                                fid,
                                random.nextInt(3),
                                random.nextInt(2),
                                pickLong(0, 1, 10, 100),
                                pickLong(0, 1, 10),
                                100 + conn,
                                "fuzz"));
            case 27 ->
                step(
                        conn,
                        new TMessage.Tgetlock(
                                fid, random.nextInt(2), pickLong(0, 1, 10), pickLong(0, 1, 10), 200, "other"));
            // No fifos: diod blocks a worker (and the connection) in open(2) of a fifo without a writer.
            case 28 -> step(conn, new TMessage.Tmknod(fid, entryName(), pickInt(0100644, 0140755, 0100600), 0, 0, 0));
            case 29, 30 -> step(conn, new TMessage.Tclunk(fid));
            case 31 -> step(conn, new TMessage.Tremove(fid));
            case 32 -> flush(conn, fid);
            default -> {
                int newfid = newFid(conn);
                FuzzStep s = attach(conn, newfid);
                yield used[conn].get(newfid) ? s.onlyToP9gate() : s;
            }
        };
    }

    /** Mostly a fid not in use; one in twenty times any (p9gate's EINVAL for a fid in use). */
    int newFid(int conn) {
        int free = used[conn].nextClearBit(random.nextInt(FIDS));
        return free < FIDS && random.nextInt(20) != 0 ? free : fid();
    }

    private FuzzStep step(int conn, TMessage request) {
        return FuzzStep.of(conn, request.toString(), t -> request).withFacts(model.facts(conn, request));
    }

    private FuzzStep walk(int conn) {
        int n = random.nextInt(4);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(pick(NAMES));
        }
        int from = random.nextInt(3) == 0 ? heldFid(conn) : 0;
        int newfid = random.nextInt(8) == 0 ? from : newFid(conn);
        FuzzStep s = step(conn, new TMessage.Twalk(from, newfid, List.copyOf(names)));
        return newfid != from && used[conn].get(newfid) ? s.onlyToP9gate() : s;
    }

    private FuzzStep write(int conn, int fid) {
        byte[] data = new byte[pickInt(0, 1, 10, 4096, 5000, 30000)];
        random.nextBytes(data);
        long offset = random.nextBoolean() ? pickLong(0, 1, 9999, 100000) : offset();
        return FuzzStep.of(
                        conn,
                        "Twrite[fid=" + fid + ", offset=" + offset + ", bytes=" + data.length + "]",
                        t -> new TMessage.Twrite(fid, offset, Unpooled.wrappedBuffer(data)))
                .withFacts(model.facts(conn, fid));
    }

    private FuzzStep readdir(int conn, int fid) {
        int count = pickInt(0, 20, 40, 100, 4096, 65536);
        return switch (random.nextInt(4)) {
            case 0, 1 -> step(conn, new TMessage.Treaddir(fid, 0, count));
            case 2 ->
                FuzzStep.of(
                                conn,
                                "Treaddir[fid=" + fid + ", offset=<continued>, count=" + count + "]",
                                t -> new TMessage.Treaddir(fid, t.continuation(conn, fid), count))
                        .withFacts(model.facts(conn, fid));
            // A made-up offset: p9gate's offsets are opaque (keyed), diod's are the host's; only that it answers.
            default -> {
                long offset = offset();
                yield new FuzzStep(
                        conn,
                        "Treaddir[fid=" + fid + ", offset=" + offset + "]",
                        t -> new TMessage.Treaddir(fid, offset, count),
                        false,
                        false,
                        false,
                        "");
            }
        };
    }

    private FuzzStep flush(int conn, int fid) {
        TMessage request =
                random.nextBoolean() ? new TMessage.Tgetattr(fid, Attr.GETATTR_ALL) : new TMessage.Tstatfs(fid);
        return new FuzzStep(conn, "Tflush of " + request, t -> request, true, true, false, "");
    }

    private FuzzStep attach(int conn, int fid) {
        return FuzzStep.of(conn, "Tattach[fid=" + fid + "]", t -> new TMessage.Tattach(fid, -1, "root", t.aname, 0));
    }

    private SetAttr setattr() {
        int valid = random.nextInt(0x200);
        if (random.nextBoolean()) {
            valid &= ~(SetAttr.SETATTR_UID | SetAttr.SETATTR_GID);
        }
        return new SetAttr(valid, mode(), 0, 0, pickLong(0, 1, 5, 4096, 100000), 1000, 5, 2000, 7);
    }

    /** Mostly a fid the reference holds: requests on unknown fids are one case, not most. */
    int heldFid(int conn) {
        if (random.nextInt(6) == 0) {
            return fid();
        }
        java.util.BitSet held = used[conn];
        int n = held.cardinality();
        int skip = random.nextInt(Math.max(n, 1));
        int f = held.nextSetBit(0);
        for (int i = 0; i < skip && f >= 0; i++) {
            f = held.nextSetBit(f + 1);
        }
        return f < 0 ? 0 : f;
    }

    private int fid() {
        return random.nextInt(12) == 0 ? 1000 + random.nextInt(2) : random.nextInt(FIDS);
    }

    private int openFlags() {
        int flags = OPEN_FLAGS[random.nextInt(3)];
        for (int i = random.nextInt(3); i > 0; i--) {
            flags |= OPEN_FLAGS[random.nextInt(OPEN_FLAGS.length)];
        }
        return flags;
    }

    private int mode() {
        return MODES[random.nextInt(MODES.length)];
    }

    private long offset() {
        return OFFSETS[random.nextInt(OFFSETS.length)];
    }

    private int count() {
        return COUNTS[random.nextInt(COUNTS.length)];
    }

    private String entryName() {
        return pick(ENTRY_NAMES);
    }

    <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    long pickLong(long... from) {
        return from[random.nextInt(from.length)];
    }

    int pickInt(int... from) {
        return from[random.nextInt(from.length)];
    }
}

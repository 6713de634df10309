package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hostile VM sends random, well-formed 9P2000.L requests (random fids, names from a vocabulary of the share's
 * traps: "..", the hidden and read-only subtrees, script names, links out of the share; random flags, modes,
 * offsets and sizes) through a real gateway and policy. Whatever it sends, these hold afterwards: nothing outside
 * its share changed (another VM's share, a canary next to the shares), its hidden and read-only subtrees are as
 * they were and neither the hidden file's bytes nor a qid of the hidden subtree reached alpha, no name the policy's CREATE deny covers exists, its
 * quota holds, no request was answered EIO (the answer of a fault the gateway did not expect), the connection was
 * never dropped, and the other VM is still served. Fixed seeds, so a failure reproduces.
 */
class RandomRequestInvariantAttackTest {
    private static final int REQUESTS = 2_000;
    private static final int FIDS = 8;
    private static final List<String> NAMES = List.of(
            "a",
            "b",
            "d",
            "x.sh",
            "..",
            ".",
            "secret",
            "key",
            "base",
            "map.db",
            "cache",
            "notes.txt",
            "c.sh",
            "readme",
            "other",
            "outside",
            "y".repeat(300),
            "");
    private static final List<String> TARGETS = List.of(
            "../../outside/canary",
            "/etc/passwd",
            "secret/key",
            "../secret/key",
            "../other/readme",
            "notes.txt",
            "x.sh",
            "..");
    private static final List<String> XATTRS =
            List.of("user.k", "security.evil", "trusted.t", "system.posix_acl_access", "user.p9gate.device");
    private static final java.util.Set<Class<?>> CHANGES = java.util.Set.of(
            TMessage.Tlcreate.class,
            TMessage.Twrite.class,
            TMessage.Tmkdir.class,
            TMessage.Tsymlink.class,
            TMessage.Tlink.class,
            TMessage.Trenameat.class,
            TMessage.Trename.class,
            TMessage.Tunlinkat.class,
            TMessage.Tremove.class,
            TMessage.Tsetattr.class,
            TMessage.Tmknod.class);
    private static final long INODE_BITS = (1L << 56) - 1;
    private static final int[] OPEN_FLAGS = {
        0, 1, 2, 01000, 02000, 0100, 0200, 0200000, 0400000, 010000000, 04000000, 040000
    };

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void whateverAlphaSendsItsShareRulesAndEveryoneElseHold(long seed) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("canary"), "host file");
        Map<String, String> outsideBefore = snapshot(outside);
        Map<String, String> otherBefore = snapshot(fx.other);
        Map<String, String> baseBefore = snapshot(fx.data.resolve("base"));
        Map<String, String> secretBefore = snapshot(fx.data.resolve("secret"));
        java.util.Set<Long> hidden =
                java.util.Set.of(inode(fx.data.resolve("secret")), inode(fx.data.resolve("secret/key")));
        var holder = fx.holder();
        List<String> eio = new ArrayList<>();
        Guest tried = new Guest(new Random(seed));
        try (ShareServerFactory shares = fx.shares(holder);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4))) {
            try (P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536)) {
                alpha.attach(0, "alpha", "data", 0);
                for (int i = 0; i < REQUESTS; i++) {
                    TMessage.FileRequest request = tried.next();
                    String shown = request.toString();
                    try {
                        RMessage reply = alpha.rpc(request);
                        tried.succeeded(request, reply);
                        checkReply(reply, shown, hidden);
                    } catch (P9Exception e) {
                        tried.failed(request, e.errno());
                        if (e.errno() == Errno.EIO) {
                            eio.add(shown);
                        }
                    } catch (IOException e) {
                        throw new AssertionError("request " + i + " (" + shown + ") lost the connection", e);
                    }
                }
            }
            try (P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 8192)) {
                beta.attach(0, "beta", "other", 0);
                beta.walk(0, 1, "readme");
                beta.lopen(1, 0);
                assertEquals("beta's view", new String(beta.read(1, 0, 100), StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of(), eio, "requests answered EIO (an unexpected fault)");
        assertEquals(outsideBefore, snapshot(outside), "outside the shares");
        assertEquals(otherBefore, snapshot(fx.other), "beta's share");
        assertEquals(baseBefore, snapshot(fx.data.resolve("base")), "alpha's read-only /base");
        assertEquals(secretBefore, snapshot(fx.data.resolve("secret")), "alpha's hidden /secret");
        try (Stream<Path> all = Files.walk(fx.data)) {
            List<Path> scripts = all.filter(p -> p.getFileName().toString().endsWith(".sh"))
                    .filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .toList();
            assertEquals(List.of(), scripts, "names the no-scripts rule denies");
        }
        long cached = 0;
        Path cache = fx.data.resolve("cache"); // alpha may remove or rename it: the quota's scope is its path
        try (Stream<Path> all = Files.exists(cache) ? Files.walk(cache) : Stream.empty()) {
            for (Path p : all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .toList()) {
                cached += Files.size(p);
            }
        }
        assertTrue(cached <= 1024, "alpha's 1 KiB quota on /cache holds: " + cached + " bytes");
        // The run must have tried something: changes that went through, and refusals of each kind of rule.
        assertTrue(tried.changed.values().stream().mapToInt(Integer::intValue).sum() >= 40, tried.changed.toString());
        assertTrue(
                tried.refused.containsKey(Errno.EROFS) && tried.refused.containsKey(Errno.EACCES),
                tried.refused.toString());
    }

    /**
     * Nothing alpha gets may be the hidden file's bytes or a qid of the hidden directory or its file (a qid's path
     * is the inode number in its low 56 bits): not in a read, a listing, a walk, an open or attributes.
     */
    private static void checkReply(RMessage reply, String request, java.util.Set<Long> hidden) {
        try {
            List<Qid> qids = switch (reply) {
                case RMessage.Rread r -> {
                    String bytes = new String(ByteBufUtil.getBytes(r.data()), StandardCharsets.ISO_8859_1);
                    assertTrue(!bytes.contains("s3cret"), "read the hidden file's bytes: " + request);
                    yield List.of();
                }
                case RMessage.Rreaddir r ->
                    r.entries().stream().map(DirEntry::qid).toList();
                case RMessage.Rwalk r -> r.qids();
                case RMessage.Rlopen r -> List.of(r.qid());
                case RMessage.Rlcreate r -> List.of(r.qid());
                case RMessage.Rgetattr r -> List.of(r.attr().qid());
                default -> List.of();
            };
            for (Qid q : qids) {
                assertTrue(
                        !hidden.contains(q.path() & INODE_BITS),
                        "the hidden subtree's inode in " + reply + " to " + request);
            }
        } finally {
            CodecBuffers.releasePayload(reply);
        }
    }

    /**
     * The hostile guest's requests: mostly on fids it holds (and reads and writes on fids it opened), so that the
     * requests get past the fid table to the policy and the host; sometimes on any fid number.
     */
    private static final class Guest {
        private final Random r;
        private final java.util.Set<Integer> live = new java.util.TreeSet<>(List.of(0));
        private final java.util.Set<Integer> opened = new java.util.TreeSet<>();
        /** Requests that changed the share, and answers that were the policy's refusals: what the run tried. */
        final Map<String, Integer> changed = new TreeMap<>();

        final Map<Errno, Integer> refused = new TreeMap<>();

        Guest(Random r) {
            this.r = r;
        }

        private int fid(java.util.Set<Integer> from) {
            return from.isEmpty() || r.nextInt(5) == 0 ? r.nextInt(FIDS) : pick(r, List.copyOf(from));
        }

        TMessage.FileRequest next() {
            int fid = fid(live);
            int other = r.nextInt(3) == 0 ? fid(live) : r.nextInt(FIDS);
            String name = pick(r, NAMES);
            return switch (r.nextInt(24)) {
                case 0, 1, 2 -> new TMessage.Twalk(fid, other, walkNames(r));
                case 3 ->
                    new TMessage.Tattach(
                            r.nextInt(FIDS),
                            TMessage.NOFID,
                            "alpha",
                            r.nextInt(8) == 0 ? "other" : "data",
                            r.nextInt(3));
                case 4 -> new TMessage.Tlopen(fid, pickFlags(r) | (r.nextBoolean() ? 2 : 0));
                case 5 ->
                    new TMessage.Tlcreate(
                            fid, name, pickFlags(r) | (r.nextBoolean() ? 2 : 0), r.nextInt(010000), r.nextInt(3));
                case 6 -> new TMessage.Tread(fid(opened), pickOffset(r), r.nextInt(8192));
                case 7, 8 -> {
                    byte[] bytes = new byte[r.nextInt(3000)];
                    r.nextBytes(bytes);
                    yield new TMessage.Twrite(fid(opened), pickOffset(r), Unpooled.wrappedBuffer(bytes));
                }
                case 9 -> new TMessage.Tclunk(fid);
                case 10 ->
                    r.nextBoolean() ? new TMessage.Tremove(fid) : new TMessage.Tmkdir(fid, name, r.nextInt(010000), 0);
                case 11 -> new TMessage.Tsymlink(fid, name, pick(r, TARGETS), 0);
                case 12 -> new TMessage.Tlink(fid, other, name);
                case 13 -> new TMessage.Trenameat(fid, name, other, pick(r, NAMES));
                case 14 -> new TMessage.Trename(fid, other, name);
                case 15 -> new TMessage.Tunlinkat(fid, name, r.nextBoolean() ? 0 : 0x200);
                case 16 -> new TMessage.Tsetattr(fid, randomSetattr(r));
                case 17 -> new TMessage.Treaddir(fid, r.nextInt(4) == 0 ? r.nextLong() : 0, 1 + r.nextInt(8192));
                case 18 -> new TMessage.Txattrwalk(fid, other, r.nextBoolean() ? "" : pick(r, XATTRS));
                case 19 -> new TMessage.Txattrcreate(fid, pick(r, XATTRS), r.nextInt(200), r.nextInt(4));
                case 20 -> new TMessage.Tmknod(fid, name, pickNodeMode(r), r.nextInt(9), r.nextInt(9), 0);
                case 21 -> new TMessage.Treadlink(fid);
                case 22 -> new TMessage.Tlock(fid, r.nextInt(3), r.nextInt(3), r.nextInt(100), r.nextInt(100), 7, "h");
                default -> new TMessage.Tgetattr(fid, 0x3fff);
            };
        }

        /** What the gateway's answer means for the fids the guest holds. */
        void succeeded(TMessage.FileRequest request, RMessage reply) {
            if (CHANGES.contains(request.getClass())) {
                changed.merge(request.getClass().getSimpleName(), 1, Integer::sum);
            }
            switch (request) {
                case TMessage.Twalk w
                when reply instanceof RMessage.Rwalk q
                        && q.qids().size() == w.names().size() -> {
                    live.add(w.newfid());
                    opened.remove(w.newfid());
                }
                case TMessage.Tattach a -> {
                    live.add(a.fid());
                    opened.remove(a.fid());
                }
                case TMessage.Tlopen o -> opened.add(o.fid());
                case TMessage.Tlcreate c -> opened.add(c.fid());
                case TMessage.Txattrwalk x -> {
                    live.add(x.newfid());
                    opened.add(x.newfid());
                }
                case TMessage.Txattrcreate x -> opened.add(x.fid());
                case TMessage.Tclunk c -> forget(c.fid());
                case TMessage.Tremove d -> forget(d.fid());
                default -> {}
            }
        }

        void failed(TMessage.FileRequest request, Errno errno) {
            if (errno == Errno.EACCES || errno == Errno.EROFS || errno == Errno.EDQUOT || errno == Errno.EPERM) {
                refused.merge(errno, 1, Integer::sum);
            }
            switch (request) {
                case TMessage.Tclunk c -> forget(c.fid());
                case TMessage.Tremove d -> forget(d.fid());
                default -> {
                    if (errno == Errno.EBADF && request instanceof TMessage.Tgetattr g) {
                        forget(g.fid());
                    }
                }
            }
        }

        private void forget(int fid) {
            live.remove(fid);
            opened.remove(fid);
        }
    }

    private static List<String> walkNames(Random r) {
        int n = r.nextInt(4);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(pick(r, NAMES));
        }
        return names;
    }

    private static int pickFlags(Random r) {
        int flags = 0;
        for (int i = r.nextInt(3); i >= 0; i--) {
            flags |= OPEN_FLAGS[r.nextInt(OPEN_FLAGS.length)];
        }
        return flags;
    }

    private static long pickOffset(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> r.nextLong();
            case 1 -> 1L << 40;
            case 2 -> 1000;
            default -> 0;
        };
    }

    private static int pickNodeMode(Random r) {
        int[] kinds = {0010000, 0020000, 0060000, 0140000, 0100000, 0040000};
        return kinds[r.nextInt(kinds.length)] | (r.nextBoolean() ? 06777 : 0644);
    }

    private static SetAttr randomSetattr(Random r) {
        int valid = r.nextInt(0x200);
        long size = switch (r.nextInt(3)) {
            case 0 -> 1L << 40;
            case 1 -> r.nextInt(5000);
            default -> 0;
        };
        return new SetAttr(
                valid, r.nextBoolean() ? 06777 : r.nextInt(010000), r.nextInt(3), r.nextInt(3), size, 0, 0, 0, 0);
    }

    private static <T> T pick(Random r, List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    private static long inode(Path p) throws IOException {
        return (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** A digest of the file's first MiB (alpha may have made it a sparse terabyte). */
    private static String head(Path p) throws Exception {
        try (var in = Files.newInputStream(p)) {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readNBytes(1 << 20)));
        }
    }

    /** Every entry under {@code dir}: its type, mode, owner, and its size and content or its link target. */
    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "link " + Files.readSymbolicLink(p);
                } else if (Files.isDirectory(p)) {
                    what = "dir " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                } else {
                    what = "file " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " "
                            + Files.size(p) + " " + head(p);
                }
                entries.put(
                        dir.relativize(p).toString(),
                        what + " uid " + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            }
        }
        return entries;
    }
}

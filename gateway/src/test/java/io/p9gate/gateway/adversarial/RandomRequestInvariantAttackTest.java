package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.Direction;
import io.p9gate.gateway.codec.MessageDecoder;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
import org.junit.jupiter.params.provider.MethodSource;

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
    /** Requests per seed of the sequential run; {@code -Dp9gate.randominvariant.requests=M} for a sweep. */
    private static final int REQUESTS = Integer.getInteger("p9gate.randominvariant.requests", 2_000);

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

    /**
     * Seeds 1 to 12 by default; a sweep picks others with {@code -Dp9gate.randominvariant.firstSeed=S} and {@code
     * -Dp9gate.randominvariant.seeds=N}.
     */
    static Stream<Long> sequentialSeeds() {
        return seeds("randominvariant", 12);
    }

    /** Seeds 1 to 6 by default; {@code -Dp9gate.randompipeline.firstSeed=S}, {@code -Dp9gate.randompipeline.seeds=N}. */
    static Stream<Long> pipelinedSeeds() {
        return seeds("randompipeline", 6);
    }

    private static Stream<Long> seeds(String name, int count) {
        long first = Long.getLong("p9gate." + name + ".firstSeed", 1);
        return java.util.stream.LongStream.range(first, first + Integer.getInteger("p9gate." + name + ".seeds", count))
                .boxed();
    }

    @ParameterizedTest
    @MethodSource("sequentialSeeds")
    void whateverAlphaSendsItsShareRulesAndEveryoneElseHold(long seed) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Untouched untouched = Untouched.of(fx, tmp);
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
        untouched.check();
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

    /** Connections per seed of the pipelined run, and the most requests one write(2) of it carries. */
    private static final int CONNECTIONS = 12;

    private static final int BATCH = 24;
    /** Tags a pipelined batch picks from: a small space, so that tags come back soon after their reply or Rflush. */
    private static final int TAGS = 48;

    /**
     * The same hostile VM, pipelining: batches of up to {@value #BATCH} random requests in one write(2) (conflicting
     * requests on the same fids, Tflushes of requests of the batch, of Tflushes and of free tags, a Tversion in the
     * middle), in 9P2000.L, 9P2000.u and 9P2000, over {@value #CONNECTIONS} connections, each ended in its own way:
     * closed with its batch answered, closed with requests in flight, cut in the middle of a frame or of a 1 MiB
     * Twrite, half-closed. Every request is answered once (a flushed one at most once, before its Rflush), none EIO,
     * no connection dropped; afterwards the other VM is served, alpha's budgets (connections, fids, descriptors,
     * locks, xattr bytes, requests, reply bytes, remembered paths) are back to zero, no descriptor of the process is
     * left in a share, every session is recorded closed, the signed log verifies and nothing outside alpha's share
     * rules changed.
     */
    @ParameterizedTest
    @MethodSource("pipelinedSeeds")
    void whateverAlphaPipelinesAndHowEverItLeavesNothingIsHeldOrLost(long seed) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Untouched untouched = Untouched.of(fx, tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Random r = new Random(seed);
        List<String> wrong = new ArrayList<>();
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail)) {
            for (int c = 0; c < CONNECTIONS; c++) {
                try (Wire wire = Wire.open(fx.alphaSocket, Dialect.values()[r.nextInt(3)])) {
                    pipeline(wire, r, wrong);
                } catch (AssertionError e) {
                    throw new AssertionError("connection " + c + ": " + e.getMessage(), e);
                }
            }
            gateway.assertAlphaHoldsNothing();
            assertEquals(List.of(), descriptorsIn(fx.data, fx.other), "descriptors of the process in the shares");
            BudgetedAlphaGateway.betaReads(fx);
        }
        assertEquals(List.of(), wrong, "answers that break the protocol's rules");
        BudgetedAlphaGateway.assertSessionsClosedAndLogVerifies(trail, logs);
        untouched.check();
    }

    /** One connection: batches until the seed picks how it ends. */
    private static void pipeline(Wire wire, Random r, List<String> wrong) throws Exception {
        Guest dotL = new Guest(r);
        LegacyGuest legacy = new LegacyGuest(dotL);
        wire.version(wire.dialect);
        wire.attach(0);
        int batches = 2 + r.nextInt(12);
        for (int b = 0; b < batches; b++) {
            Map<Integer, TMessage> sent = new java.util.LinkedHashMap<>();
            Map<Integer, Integer> flushes = new TreeMap<>(); // Tflush tag -> oldtag
            ByteBuf out = Unpooled.buffer();
            int n = 1 + r.nextInt(BATCH);
            Dialect dialect = wire.dialect;
            java.util.Set<Integer> taken = new java.util.TreeSet<>(); // tags sent, and free tags flushed
            boolean versioned = false;
            for (int i = 0; i < n; i++) {
                int tag = freeTag(r, taken);
                TMessage request;
                if (versioned) {
                    request = new TMessage.Tattach(0, TMessage.NOFID, "alpha", "data", 0);
                    versioned = false;
                } else if (!sent.isEmpty() && r.nextInt(6) == 0) {
                    int old = r.nextInt(4) == 0 ? freeTag(r, taken) : pick(r, List.copyOf(sent.keySet()));
                    taken.add(old);
                    request = new TMessage.Tflush(old);
                    flushes.put(tag, old);
                } else if (r.nextInt(60) == 0) {
                    dialect = Dialect.values()[r.nextInt(3)];
                    request = new TMessage.Tversion(GatewayConfig.DEFAULT_MSIZE, dialect.version());
                    versioned = true;
                } else if (r.nextInt(60) == 0) {
                    request = new TMessage.Tattach(r.nextInt(FIDS), TMessage.NOFID, "alpha", "data", 0);
                } else {
                    request = dialect == Dialect.L ? dotL.next() : legacy.next(dialect);
                }
                sent.put(tag, request);
                taken.add(tag);
                Wire.encode(tag, request, dialect, out);
            }
            boolean last = b == batches - 1;
            int ending = last ? r.nextInt(5) : 0;
            if (ending == 2) {
                out.writeIntLE(64).writeByte(MessageType.TSTAT.code()).writeShortLE(TAGS); // 57 bytes never come
            } else if (ending == 3) {
                out.writeIntLE(4 + 1 + 2 + 4 + 8 + 4 + (1 << 20)).writeByte(MessageType.TWRITE.code());
                out.writeShortLE(TAGS)
                        .writeIntLE(1)
                        .writeLongLE(0)
                        .writeIntLE(1 << 20)
                        .writeBytes(new byte[1000]);
            }
            wire.send(out);
            if (ending == 1 || ending == 2 || ending == 3) {
                return; // closed with the batch in flight
            }
            if (ending == 4) {
                // Half closed: the gateway closes at the end of what it read (docs/protocol.md), answered or not.
                wire.channel.shutdownOutput();
                wire.drainToEnd();
                return;
            }
            try {
                wire.collect(sent, flushes, legacy, wrong);
            } catch (AssertionError e) {
                throw new AssertionError("batch " + b + " ending " + ending + " " + e.getMessage(), e);
            }
        }
    }

    private static int freeTag(Random r, java.util.Set<Integer> taken) {
        while (true) {
            int tag = r.nextInt(TAGS);
            if (!taken.contains(tag)) {
                return tag;
            }
        }
    }

    /** Descriptors of this process (the gateway's) that name a file inside one of {@code shares}. */
    private static List<String> descriptorsIn(Path... shares) throws IOException {
        List<String> held = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // the listing's own descriptor, closed since
                }
                for (Path share : shares) {
                    if (target.startsWith(share.toRealPath() + "/")) { // the roots stay open while the gateway runs
                        held.add(fd.getFileName() + " -> " + target);
                    }
                }
            }
        }
        return held;
    }

    /**
     * The hostile guest's 9P2000.u and 9P2000 requests, as {@link Guest} does for 9P2000.L: Topen with OTRUNC and
     * ORCLOSE, Tcreate of files, directories and (in .u) special files, Twstat, Tstat, reads of opened directories.
     */
    private static final class LegacyGuest {
        /** The 9P2000.L guest whose fids these are: a Tversion ends them all, whatever the dialects. */
        private final Guest guest;

        private final Random r;
        private final java.util.Set<Integer> live;
        private final java.util.Set<Integer> opened;

        LegacyGuest(Guest guest) {
            this.guest = guest;
            this.r = guest.r;
            this.live = guest.live;
            this.opened = guest.opened;
        }

        private int fid(java.util.Set<Integer> from) {
            return guest.fid(from);
        }

        TMessage.FileRequest next(Dialect dialect) {
            boolean unix = dialect == Dialect.U;
            int fid = fid(live);
            String name = pick(r, NAMES);
            return switch (r.nextInt(13)) {
                case 0, 1, 2 -> new TMessage.Twalk(fid, r.nextInt(FIDS), walkNames(r));
                case 3 ->
                    new TMessage.Topen(
                            fid,
                            r.nextInt(4)
                                    | (r.nextInt(4) == 0 ? 0x10 : 0)
                                    | (r.nextInt(5) == 0 ? 0x40 : 0)
                                    | (unix && r.nextBoolean() ? 0x80 : 0));
                case 4 -> {
                    int[] kinds = {0, 0, 0x80000000, 0x02000000, 0x00800000, 0x00100000, 0x01000000};
                    int kind = unix ? kinds[r.nextInt(kinds.length)] : kinds[r.nextInt(3)];
                    String extension = switch (kind) {
                        case 0x02000000 -> pick(r, TARGETS);
                        case 0x00800000 -> "c 1 " + r.nextInt(9);
                        case 0x01000000 -> Integer.toString(fid(live));
                        default -> "";
                    };
                    yield new TMessage.Tcreate(
                            fid,
                            name,
                            kind | (r.nextBoolean() ? 0644 : 06777),
                            r.nextInt(3) | (r.nextInt(5) == 0 ? 0x40 : 0),
                            unix ? java.util.Optional.of(extension) : java.util.Optional.empty());
                }
                case 5 -> new TMessage.Tread(fid(opened), r.nextInt(3) == 0 ? pickOffset(r) : 0, r.nextInt(8192));
                case 6, 7 -> {
                    byte[] bytes = new byte[r.nextInt(3000)];
                    r.nextBytes(bytes);
                    yield new TMessage.Twrite(fid(opened), pickOffset(r), Unpooled.wrappedBuffer(bytes));
                }
                case 8 -> new TMessage.Tclunk(fid);
                case 9 -> new TMessage.Tremove(fid);
                case 10 -> new TMessage.Tstat(fid);
                default -> {
                    Stat.Common common = switch (r.nextInt(4)) {
                        case 0 -> Wstats.common(r.nextInt(010000), "", -1, -1, -1L, "");
                        case 1 -> Wstats.common(-1, name, -1, -1, -1L, "");
                        case 2 -> Wstats.common(-1, "", -1, -1, r.nextInt(5000), "");
                        default -> Wstats.common(-1, "", -1, -1, -1L, "");
                    };
                    yield unix ? Wstats.unix(fid, common, r.nextInt(3) - 1, -1) : Wstats.plain(fid, common);
                }
            };
        }

        /** What the answer to a request of any dialect means for the fids. */
        void answered(TMessage.FileRequest request, RMessage reply) {
            switch (reply) {
                case RMessage.Rlerror e -> guest.failed(request, e.errno());
                case RMessage.RerrorU e -> guest.failed(request, e.errno());
                case RMessage.Rerror e -> guest.failed(request, Errno.EINVAL);
                default -> {
                    guest.succeeded(request, reply);
                    if (request instanceof TMessage.Topen o) {
                        opened.add(o.fid());
                    } else if (request instanceof TMessage.Tcreate c) {
                        opened.add(c.fid());
                    }
                }
            }
        }
    }

    /**
     * A raw connection of alpha: frames written as the dialect lays them out, replies read by a thread of their own
     * (so that a batch's replies never fill the socket while it is written) and decoded in the dialect agreed.
     */
    private static final class Wire implements AutoCloseable {
        private final SocketChannel channel;
        private final java.util.concurrent.BlockingQueue<Object> replies =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final Thread reader;
        private volatile Dialect dialect;

        private record Answer(int tag, RMessage reply) {}

        private record Ended(String why) {}

        private Wire(SocketChannel channel, Dialect dialect) {
            this.channel = channel;
            this.dialect = dialect;
            this.reader = Thread.ofPlatform().daemon().start(this::read);
        }

        static Wire open(Path socket, Dialect dialect) throws IOException {
            return new Wire(SocketChannel.open(UnixDomainSocketAddress.of(socket)), dialect);
        }

        private void read() {
            try {
                while (true) {
                    ByteBuffer head = ByteBuffer.allocate(7).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    if (!fill(head)) {
                        replies.add(new Ended("end of stream"));
                        return;
                    }
                    ByteBuffer body = ByteBuffer.allocate(head.getInt(0) - 7);
                    if (!fill(body)) {
                        replies.add(new Ended("end of stream inside a reply"));
                        return;
                    }
                    int type = head.get(4) & 0xff;
                    int tag = head.getShort(5) & 0xffff;
                    RMessage reply = (RMessage) MessageDecoder.decode(
                            type, Unpooled.wrappedBuffer(body.flip()), Direction.REPLIES, dialect);
                    if (reply instanceof RMessage.Rversion v) {
                        for (Dialect d : Dialect.values()) {
                            dialect = d.version().equals(v.version()) ? d : dialect;
                        }
                    }
                    replies.add(new Answer(tag, reply));
                }
            } catch (IOException | RuntimeException | P9Exception e) {
                replies.add(new Ended(e.toString()));
            }
        }

        private boolean fill(ByteBuffer into) throws IOException {
            while (into.hasRemaining()) {
                if (channel.read(into) < 0) {
                    return false;
                }
            }
            return true;
        }

        void send(ByteBuf out) throws IOException {
            try {
                ByteBuffer bytes = out.nioBuffer();
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } finally {
                out.release();
            }
        }

        static void encode(int tag, TMessage request, Dialect dialect, ByteBuf out) {
            if (request instanceof TMessage.Tattach a && dialect == Dialect.LEGACY) {
                int start = out.writerIndex();
                out.writeIntLE(0).writeByte(MessageType.TATTACH.code()).writeShortLE(tag);
                out.writeIntLE(a.fid()).writeIntLE(a.afid());
                for (String s : List.of(a.uname(), a.aname())) {
                    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                    out.writeShortLE(bytes.length).writeBytes(bytes);
                }
                out.setIntLE(start, out.writerIndex() - start);
            } else {
                MessageEncoder.writeHeaderAndBody(new Frame(tag, request), out);
                if (request instanceof TMessage.Twrite w) {
                    out.writeBytes(w.data(), w.data().readerIndex(), w.data().readableBytes()); // sent after its head
                }
            }
        }

        void version(Dialect asked) throws Exception {
            ByteBuf out = Unpooled.buffer();
            encode(Frame.NOTAG, new TMessage.Tversion(GatewayConfig.DEFAULT_MSIZE, asked.version()), asked, out);
            send(out);
            assertInstanceOf(RMessage.Rversion.class, next().reply());
        }

        void attach(int fid) throws Exception {
            ByteBuf out = Unpooled.buffer();
            encode(1, new TMessage.Tattach(fid, TMessage.NOFID, "alpha", "data", 0), dialect, out);
            send(out);
            assertInstanceOf(RMessage.Rattach.class, next().reply());
        }

        private Answer next() throws Exception {
            Object got = replies.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            if (got instanceof Answer a) {
                return a;
            }
            throw new AssertionError("no reply: " + (got == null ? "none in 60 s" : ((Ended) got).why()));
        }

        /**
         * Reads the batch's replies: each request answered once, a flushed one at most once and before its Rflush,
         * every Tflush answered, no EIO. Replies update what the guests think their fids are.
         */
        void collect(Map<Integer, TMessage> sent, Map<Integer, Integer> flushes, LegacyGuest guest, List<String> wrong)
                throws Exception {
            java.util.Set<Integer> due = new java.util.TreeSet<>(sent.keySet());
            // A flushed request may go unanswered; a Tflush of its own tag is a Tflush all the same, and is answered
            // (else its Rflush could arrive in the next batch, where its tag names another request).
            flushes.forEach((flushTag, old) -> {
                if (!old.equals(flushTag)) {
                    due.remove(old);
                }
            });
            java.util.Set<Integer> answered = new java.util.TreeSet<>();
            while (!due.isEmpty()) {
                Answer a;
                try {
                    a = next();
                } catch (AssertionError e) {
                    Map<Integer, TMessage> missing = new TreeMap<>(sent);
                    missing.keySet().retainAll(due);
                    throw new AssertionError(
                            e.getMessage() + ": " + missing.keySet() + " answered " + answered + " of " + sent, e);
                }
                TMessage request = sent.get(a.tag());
                try {
                    if (request == null || !answered.add(a.tag())) {
                        wrong.add("a reply to tag " + a.tag() + " not outstanding: " + a.reply());
                        continue;
                    }
                    due.remove(a.tag());
                    if (flushes.containsKey(a.tag()) && !(a.reply() instanceof RMessage.Rflush)) {
                        wrong.add("a Tflush answered " + a.reply());
                    }
                    if (a.reply() instanceof RMessage.Rflush) {
                        Integer old = flushes.get(a.tag());
                        if (old != null && sent.containsKey(old) && !answered.contains(old) && old != a.tag()) {
                            answered.add(old); // any reply to it now would break the flush rule
                        }
                    }
                    if (isEio(a.reply())) {
                        wrong.add("EIO for " + request);
                    }
                    if (request instanceof TMessage.FileRequest file) {
                        guest.answered(file, a.reply());
                    }
                } finally {
                    CodecBuffers.releasePayload(a.reply());
                }
            }
            for (TMessage request : sent.values()) {
                CodecBuffers.releasePayload(request);
            }
        }

        /** After a half close: the rest of what the gateway writes, up to the end of the stream. */
        void drainToEnd() throws Exception {
            while (true) {
                Object got = replies.poll(60, java.util.concurrent.TimeUnit.SECONDS);
                if (got instanceof Answer a) {
                    CodecBuffers.releasePayload(a.reply());
                } else {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static boolean isEio(RMessage reply) {
        return switch (reply) {
            case RMessage.Rlerror e -> e.errno() == Errno.EIO;
            case RMessage.RerrorU e -> e.errno() == Errno.EIO;
            case RMessage.Rerror e -> e.ename().equals("Input/output error");
            default -> false;
        };
    }

    /**
     * What alpha may not change, as it was: a canary outside the shares, beta's share, alpha's read-only /base and
     * hidden /secret.
     */
    private record Untouched(Map<String, Map<String, String>> before, Map<String, Path> where) {
        static Untouched of(PolicyFixture fx, Path tmp) throws Exception {
            Path outside = Files.createDirectories(tmp.resolve("outside"));
            Files.writeString(outside.resolve("canary"), "host file");
            Map<String, Path> where = Map.of(
                    "outside the shares",
                    outside,
                    "beta's share",
                    fx.other,
                    "alpha's read-only /base",
                    fx.data.resolve("base"),
                    "alpha's hidden /secret",
                    fx.data.resolve("secret"));
            Map<String, Map<String, String>> before = new TreeMap<>();
            for (var e : where.entrySet()) {
                before.put(e.getKey(), snapshot(e.getValue()));
            }
            return new Untouched(before, where);
        }

        void check() throws Exception {
            for (var e : where.entrySet()) {
                assertEquals(before.get(e.getKey()), snapshot(e.getValue()), e.getKey());
            }
        }
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

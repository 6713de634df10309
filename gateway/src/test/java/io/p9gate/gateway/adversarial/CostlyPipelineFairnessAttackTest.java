package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.session.SessionSettings;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, two VMs through what they share): VM alpha keeps, on each of {@value #CONNECTIONS}
 * connections, {@value #IN_FLIGHT} of its costliest requests in flight at once: Treaddirs of a 3,000-entry
 * directory with the largest count, Twalks of 16 names (15 levels of 250-byte names, then a missing one), Tgetattrs
 * of a file 3,760 bytes deep (the largest records a path makes), Tgetlocks and Txattrwalks, all passing the choke
 * point and the signed log. Beta meanwhile sends one Tgetattr at a time. Beta's round trips in a fixed window are
 * counted alone and under the flood: under it beta must keep a share of its pace and no answer of beta's may take
 * seconds (generous bounds: a 2-core machine shared with other builds), and every one of alpha's requests must be
 * answered and recorded under alpha, the log verifying.
 */
class CostlyPipelineFairnessAttackTest {
    private static final int CONNECTIONS = 4;
    private static final int IN_FLIGHT = 32;
    private static final int ENTRIES = 3000;
    /** Alpha's msize on its unread connections: every Treaddir of the large directory a 64 KiB reply. */
    private static final int LISTING = 65536;
    /** Treaddirs alpha sends on each unread connection. */
    private static final int UNREAD = 3000;

    private static final int LEVELS = 15;
    private static final String LEVEL = "d".repeat(250);
    private static final Duration WINDOW = Duration.ofSeconds(3);
    /** Beta's slowest answer under the flood; seconds, not milliseconds. */
    private static final Duration SLOWEST = Duration.ofSeconds(5);
    /** Beta keeps at least this fraction of its pace alone. */
    private static final int SHARE_DIVISOR = 100;

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_DIRECTORY = 0200000;
    private static final long ALL_ATTRS = 0x7ff;

    @TempDir
    Path tmp;

    /** Beta's Tgetattrs in one window, one at a time, and the slowest of them. */
    private record Pace(long answered, Duration slowest) {}

    @Test
    void betaKeepsItsPaceWhileAlphaPipelinesItsCostliestRequestsAndEachOfThemIsRecorded() throws Exception {
        betaKeepsItsPaceAndAlphaIsRecorded(false, false, 1);
    }

    /**
     * Beta's lone Tgetattr is served on its own event loop; two at a time, the second is a worker's, so beta's pace
     * is then the worker pool's fairness against alpha's costly requests queued there.
     */
    @Test
    void betaPipeliningPairsKeepsItsPaceOnTheWorkersWhileAlphaPipelinesItsCostliestRequests() throws Exception {
        betaKeepsItsPaceAndAlphaIsRecorded(false, false, 2);
    }

    /**
     * The same flood, and after each batch alpha flushes every request of it and restarts its session with a
     * Tversion while they are still in flight, then attaches and opens again: the same bounds for beta, every reply
     * alpha got is recorded, and once alpha is gone no descriptor of its share is left open.
     */
    @Test
    void betaKeepsItsPaceWhileAlphaFlushesEveryTagAndResetsItsSessionMidFlight() throws Exception {
        betaKeepsItsPaceAndAlphaIsRecorded(true, false, 1);
    }

    /**
     * With hand-written Cedar in the policy every decision is Cedar's, behind a cache per VM; each of alpha's deep
     * walks ends in a name it never used before, so each asks Cedar anew, while beta's pairs are answered from its
     * own cache.
     */
    @Test
    void betaKeepsItsPaceWhileEachOfAlphasWalksFallsToCedar() throws Exception {
        betaKeepsItsPaceAndAlphaIsRecorded(false, true, 2);
    }

    /**
     * Alpha never reads: on each of {@value #CONNECTIONS} raw connections it sends {@value #UNREAD} full-size
     * Treaddirs (64 KiB replies, 780 MiB asked for in all) and leaves every reply in its socket. The gateway must
     * stop serving it once its unread replies reach the connection's high-water mark with the requests in flight
     * (so its memory for alpha stays bounded: counted by the requests it recorded), and beta, whose records the same
     * log writes before its replies, keeps its pace meanwhile.
     */
    @Test
    void betaKeepsItsPaceWhileAlphaLeavesItsRepliesUnreadAndAlphaIsServedOnlyWhatItsBuffersHold() throws Exception {
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        Pace alone;
        Pace underFlood;
        try (rig) {
            listedDirectory(rig);
            try (P9Client beta = rig.beta()) {
                beta.timeout(Duration.ofSeconds(60));
                alone = pace(beta, 1);
                List<SocketChannel> unread = new ArrayList<>();
                try {
                    for (int c = 0; c < CONNECTIONS; c++) {
                        unread.add(unreadListings(rig));
                    }
                    underFlood = pace(beta, 1);
                } finally {
                    for (SocketChannel channel : unread) {
                        channel.close();
                    }
                }
            }
        }
        long served = rig.logs.records().stream()
                .filter(r -> "alpha".equals(r.vm()) && "readdir".equals(r.op()))
                .mapToLong(r -> r.count() == null ? 1 : r.count())
                .sum();
        // Per connection: replies up to the high-water mark (4 x msize), the requests in flight, and a socket's worth.
        long bound = CONNECTIONS
                * (4L * GatewayConfig.DEFAULT_MSIZE / LISTING + 2L * SessionSettings.DEFAULT_MAX_OUTSTANDING + 64);
        System.out.printf(
                "beta alone: %d getattrs in %s (slowest %s); with alpha's replies unread: %d (slowest %s); alpha's"
                        + " listings served: %d of %d (bound %d)%n",
                alone.answered(),
                WINDOW,
                alone.slowest(),
                underFlood.answered(),
                underFlood.slowest(),
                served,
                CONNECTIONS * UNREAD,
                bound);
        assertTrue(served >= CONNECTIONS, "alpha's flood was served at all: " + served);
        assertTrue(served <= bound, "alpha's unread listings served: " + served + ", bound " + bound);
        assertTrue(
                underFlood.answered() * SHARE_DIVISOR >= alone.answered() && underFlood.answered() >= 10,
                "beta kept a share of its pace: " + alone.answered() + " alone, " + underFlood.answered()
                        + " with alpha's replies unread");
        assertTrue(underFlood.slowest().compareTo(SLOWEST) < 0, "beta's slowest answer: " + underFlood.slowest());
        var verified = rig.logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** The large directory, its names long enough that every full-size Treaddir is a 64 KiB reply. */
    private static void listedDirectory(AuditedPolicyGateway rig) throws IOException {
        Path big = Files.createDirectories(rig.policy.data.resolve("big"));
        for (int i = 0; i < ENTRIES; i++) {
            Files.createFile(big.resolve("entry-%04d-%s".formatted(i, "n".repeat(80))));
        }
    }

    /** A raw connection of alpha with {@value #UNREAD} Treaddirs of the large directory sent and nothing read. */
    private static SocketChannel unreadListings(AuditedPolicyGateway rig) throws IOException {
        SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(rig.policy.alphaSocket));
        UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(LISTING, P9Client.VERSION));
        UnreadConnection.sendAndRead(raw, 1, new TMessage.Tattach(0, -1, "root", "data", 0));
        UnreadConnection.sendAndRead(raw, 2, new TMessage.Twalk(0, 1, List.of("big")));
        UnreadConnection.sendAndRead(raw, 3, new TMessage.Tlopen(1, O_RDONLY | O_DIRECTORY));
        raw.configureBlocking(false);
        // The gateway stops reading: what it does not take within a second stays unsent.
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        for (int i = 0; i < UNREAD && System.nanoTime() < deadline; i++) {
            ByteBuffer frame = UnreadConnection.encoded(10 + i, new TMessage.Treaddir(1, 0, LISTING - 11));
            while (frame.hasRemaining() && System.nanoTime() < deadline) {
                raw.write(frame);
            }
        }
        return raw;
    }

    /**
     * @param resets       alpha flushes each batch and restarts its session with it in flight
     * @param cedar        the policy has hand-written Cedar, and each of alpha's walks ends in a new name
     * @param betaInFlight beta's Tgetattrs sent at once, each round
     */
    private void betaKeepsItsPaceAndAlphaIsRecorded(boolean resets, boolean cedar, int betaInFlight) throws Exception {
        Map<String, AtomicLong> answered = new ConcurrentHashMap<>(); // alpha's replies by operation
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        List<AuditRecord> records;
        try (rig) {
            listedDirectory(rig);
            if (cedar) {
                decidedByCedar(rig);
            }
            Path deep = rig.policy.data;
            for (int i = 0; i < LEVELS; i++) {
                deep = Files.createDirectory(deep.resolve(LEVEL));
            }
            Files.writeString(deep.resolve("f"), "deep");
            List<String> deepWalk = new ArrayList<>(Collections.nCopies(LEVELS, LEVEL));
            deepWalk.add("missing");

            try (P9Client beta = rig.beta()) {
                beta.timeout(Duration.ofSeconds(60));
                Pace alone = pace(beta, betaInFlight);
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> flood = new ArrayList<>();
                List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
                List<P9Client> alphas = new ArrayList<>();
                Pace underFlood;
                try {
                    for (int c = 0; c < CONNECTIONS; c++) {
                        P9Client alpha = rig.alpha();
                        alpha.timeout(Duration.ofSeconds(120));
                        alphas.add(alpha);
                        openFids(alpha);
                        flood.add(Thread.ofPlatform().start(() -> {
                            try {
                                while (!stop.get()) {
                                    batch(alpha, deepWalk, answered, resets, cedar);
                                }
                            } catch (Throwable e) {
                                failures.add(e);
                            }
                        }));
                    }
                    while (total(answered) < 2L * CONNECTIONS * IN_FLIGHT && failures.isEmpty()) {
                        Thread.sleep(5);
                    }
                    long atStart = total(answered);
                    underFlood = pace(beta, betaInFlight);
                    assertTrue(
                            total(answered) > atStart + CONNECTIONS * IN_FLIGHT,
                            "alpha's flood went on while beta was counted: " + atStart + " -> " + total(answered));
                } finally {
                    stop.set(true);
                    for (Thread t : flood) {
                        t.join(Duration.ofMinutes(2));
                    }
                    alphas.forEach(P9Client::close);
                }
                assertEquals(List.of(), failures, "every one of alpha's requests was answered as expected");
                // Alpha's sessions end after its sockets close, on its lane: wait for that, within a generous bound.
                List<String> left = descriptorsIn(rig.policy.data);
                for (long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        !left.isEmpty() && System.nanoTime() < end;
                        left = descriptorsIn(rig.policy.data)) {
                    Thread.sleep(50);
                }
                assertEquals(List.of(), left, "descriptors of alpha's share left open after its sessions ended");
                System.out.printf(
                        "beta alone: %d getattrs in %s (slowest %s); under alpha's flood: %d (slowest %s); alpha: %s%n",
                        alone.answered(),
                        WINDOW,
                        alone.slowest(),
                        underFlood.answered(),
                        underFlood.slowest(),
                        answered);
                assertTrue(
                        underFlood.answered() * SHARE_DIVISOR >= alone.answered() && underFlood.answered() >= 10,
                        "beta kept a share of its pace: " + alone.answered() + " alone, " + underFlood.answered()
                                + " under the flood");
                assertTrue(
                        underFlood.slowest().compareTo(SLOWEST) < 0,
                        "beta's slowest answer under the flood: " + underFlood.slowest());
            }
        }
        records = rig.logs.records();
        Map<String, Long> recorded = records.stream()
                .filter(r -> "alpha".equals(r.vm()) && r.op() != null)
                .collect(Collectors.groupingBy(
                        AuditRecord::op,
                        TreeMap::new,
                        Collectors.summingLong(r -> r.count() == null ? 1 : r.count()))); // summaries count many
        answered.forEach((op, n) -> assertTrue(
                recorded.getOrDefault(op, 0L) >= n.get(),
                "alpha's " + op + ": " + n.get() + " answered, " + recorded.getOrDefault(op, 0L) + " recorded"));
        var verified = rig.logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** {@value #IN_FLIGHT} costly requests in flight on one connection, each reply checked. */
    private static void batch(
            P9Client alpha, List<String> deepWalk, Map<String, AtomicLong> answered, boolean resets, boolean newNames)
            throws Exception {
        List<PendingCall> calls = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
            calls.add(alpha.send(
                    switch (i % 5) {
                        case 0 -> new TMessage.Treaddir(1, 0, alpha.msize() - 11);
                        case 1 -> new TMessage.Twalk(0, 100 + i, newNames ? newLastName(deepWalk) : deepWalk);
                        case 2 -> new TMessage.Tgetattr(3, ALL_ATTRS);
                        case 3 -> new TMessage.Tgetlock(2, LockConstants.LOCK_TYPE_WRLCK, 0, 0, i, "alpha-host");
                        default -> new TMessage.Txattrwalk(2, 200 + i, "user.missing");
                    }));
        }
        List<PendingCall> flushes = new ArrayList<>();
        PendingCall version = null;
        if (resets) {
            for (PendingCall call : calls) {
                flushes.add(alpha.send(new TMessage.Tflush(call.tag())));
            }
            version = alpha.send(new TMessage.Tversion(alpha.msize(), P9Client.VERSION));
        }
        for (int i = 0; i < IN_FLIGHT; i++) {
            String op = switch (i % 5) {
                case 0 -> "readdir";
                case 1 -> "walk";
                case 2 -> "getattr";
                case 3 -> "getlock";
                default -> "xattrwalk";
            };
            try {
                RMessage reply = alpha.await(calls.get(i));
                if (reply instanceof RMessage.Rwalk walk && walk.qids().size() != deepWalk.size() - 1) {
                    throw new AssertionError(
                            "the deep walk stopped after " + walk.qids().size() + " names");
                }
                CodecBuffers.releasePayload(reply);
            } catch (P9Exception e) {
                if (!op.equals("xattrwalk") || e.errno() != Errno.ENODATA) {
                    throw new AssertionError(op + " refused", e);
                }
            }
            answered.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
        }
        if (resets) {
            for (PendingCall flush : flushes) {
                CodecBuffers.releasePayload(alpha.await(flush));
            }
            CodecBuffers.releasePayload(alpha.await(version));
            alpha.attach(0, "root", "data", 0);
            openFids(alpha);
        }
    }

    private static final AtomicLong NEW_NAMES = new AtomicLong();

    /** {@code walk} with its last name one no walk used before: a question no cache holds. */
    private static List<String> newLastName(List<String> walk) {
        List<String> names = new ArrayList<>(walk);
        names.set(names.size() - 1, "missing-" + NEW_NAMES.incrementAndGet());
        return names;
    }

    /** The policy again with a hand-written Cedar policy (one that never matches): then Cedar decides everything. */
    private static void decidedByCedar(AuditedPolicyGateway rig) throws IOException {
        Files.writeString(rig.policy.root.resolve("extra.cedar"), """
                @id("never")
                @errno("EACCES")
                forbid (principal == P9gate::Vm::"alpha", action == P9gate::Action::"CREATE", resource)
                when { context.uid == 4242424 };
                """);
        Files.writeString(rig.policy.policyFile, "cedar: [extra.cedar]\n" + rig.policy.policy(""));
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
        assertFalse(rig.holder.current().usesFastPath(), "Cedar decides");
    }

    /** Fid 1 the open large directory, 2 a file open for reading and writing, 3 the deepest file. */
    private static void openFids(P9Client alpha) throws Exception {
        alpha.walk(0, 1, "big");
        alpha.lopen(1, O_RDONLY | O_DIRECTORY);
        alpha.walk(0, 2, "notes.txt");
        alpha.lopen(2, O_RDWR);
        List<String> toFile = new ArrayList<>(Collections.nCopies(LEVELS, LEVEL));
        toFile.add("f");
        alpha.walk(0, 3, toFile.toArray(String[]::new));
    }

    /** Descriptors of this process (the gateway's) that name a file below {@code share} (its root stays open). */
    private static List<String> descriptorsIn(Path share) throws IOException {
        List<String> held = new ArrayList<>();
        String below = share.toRealPath() + "/";
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(below)) {
                        held.add(fd.getFileName() + " -> " + target.substring(0, Math.min(120, target.length())));
                    }
                } catch (IOException e) {
                    // the listing's own descriptor, closed since
                }
            }
        }
        return held;
    }

    private static long total(Map<String, AtomicLong> answered) {
        return answered.values().stream().mapToLong(AtomicLong::get).sum();
    }

    private static Pace pace(P9Client beta, int inFlight) throws Exception {
        long n = 0;
        long slowest = 0;
        long end = System.nanoTime() + WINDOW.toNanos();
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            List<PendingCall> calls = new ArrayList<>();
            for (int i = 0; i < inFlight; i++) {
                calls.add(beta.send(new TMessage.Tgetattr(0, ALL_ATTRS)));
            }
            for (PendingCall call : calls) {
                assertTrue(beta.await(call) instanceof RMessage.Rgetattr);
                n++;
            }
            slowest = Math.max(slowest, System.nanoTime() - now);
        }
        return new Pace(n, Duration.ofNanos(slowest));
    }
}

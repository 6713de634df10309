package io.p9gate.gateway.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.Durability;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one audited request costs the thread that serves it, in process (no codec, no network): the bench policy
 * of {@code bench/policy/bench.yaml} (read-only and hidden subtrees, a deny rule, a quota, an id map) and the
 * signed audit log, against the same policy without audit and against {@code serve --share} without either ("bare",
 * what bench/servers.sh's p9gate-bare serves). Prints bytes allocated and CPU nanoseconds per request
 * of the serving thread (from {@code ThreadMXBean}: exact for allocation, and CPU rather than wall time, which on
 * this shared machine measures waiting for a core), and the backend system calls per request (the audit log's
 * write is not among them). Run it under JFR to see where the time goes
 * (docs/performance.md, "Where a request's time goes"). Run with {@code gateway/bench-run.sh RequestCostProfile};
 * {@code -Dbench.seconds} is how long each operation runs, {@code -Dbench.warmup} how many requests of each are
 * not counted before, {@code -Dbench.setups} which setups run (default {@code bare,policy, no audit,policy + audit}),
 * {@code -Dbench.batch} how many requests share one write of their held records (default 16; 0: none held).
 */
public final class RequestCostProfile {
    private static final byte[] BLOCK = new byte[4096];
    private static final ByteBuf CHUNK = Unpooled.directBuffer(65536 - 24).writeZero(65536 - 24);
    private static final long FILE = 1024L * CHUNK.readableBytes();
    private static final long SECONDS = Long.getLong("bench.seconds", 10);
    private static final long WARMUP = Long.getLong("bench.warmup", 200_000);
    /**
     * Requests per event-loop batch: the audited setup holds the records of requests that change nothing and writes
     * them once per this many requests, as a session does before the replies of one read leave (0: every record
     * written at once, as before batching).
     */
    private static final int BATCH = Integer.getInteger("bench.batch", 16);

    private static final String[] SETUPS = System.getProperty("bench.setups", "bare,policy, no audit,policy + audit")
            .split(",(?! )");

    private RequestCostProfile() {}

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")), "p9gate-cost");
        Path share = Files.createDirectories(base.resolve("share"));
        Files.write(share.resolve("f"), BLOCK);
        String yaml = Files.readString(Path.of("bench/policy/bench.yaml"))
                .replace("@WORK@", base.toString())
                .replace("@SHARE@", "share")
                .replace("@DIR@", share.toString());
        Path policy = base.resolve("bench.yaml");
        Files.writeString(policy, yaml);
        PolicyHolder holder = PolicyHolder.load(policy);
        String listener = "unix:" + base.resolve("p9gate.sock");
        try (SignedAuditTrail audit = new SignedAuditTrail(
                AuditLog.open(
                        base.resolve("audit"),
                        SigningKey.generate("bench-cost", new SecureRandom()),
                        AuditOptions.defaults("p9gate.bench/cost")),
                Durability.WRITTEN,
                RefusalBudget.DEFAULT)) {
            if (BATCH > 0) {
                audit.holdingLooks();
            }
            Path bare = Files.createDirectories(base.resolve("bare"));
            Files.write(bare.resolve("f"), BLOCK);
            for (String name : SETUPS) {
                ShareServerFactory factory = switch (name) {
                    case "bare" -> TestSession.factory(bare);
                    case "policy, no audit" -> PolicyServed.shares(holder, new NoAudit());
                    default -> PolicyServed.shares(holder, audit);
                };
                TestSession s = name.equals("bare")
                        ? TestSession.attached(factory)
                        : TestSession.attached(factory, listener, io.p9gate.policy.dialect.Dialect.L, "share");
                s.walk(TestSession.ROOT, 1, "f");
                s.lopen(1, 2);
                AuditTrail trail = name.equals("policy + audit") ? audit : new NoAudit();
                if (SECONDS > 0) {
                    measureSteady(trail, name, s);
                }
                meta(trail, name, s);
                factory.close();
            }
        }
    }

    /** getattr, 4 KiB and 64 KiB writes and 64 KiB reads on one open fid, each for {@link #SECONDS}. */
    private static void measureSteady(AuditTrail trail, String name, TestSession s) throws Exception {
        measure(trail, name, "getattr", () -> s.call(new TMessage.Tgetattr(1, 0x3fff)));
        measure(trail, name, "write 4 KiB", () -> s.call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(BLOCK))));
        // Sequential 64 KiB requests over a 64 MiB file, as bench/compare-diod.sh's @65536 rows send them
        // (iounit 65512: msize 65536 less the Twrite header), from the page cache; the data in direct
        // memory, as the decoder hands it over (a heap buffer would be staged in native memory first).
        long[] offset = {0};
        measure(trail, name, "write 64 KiB", () -> {
            s.call(new TMessage.Twrite(1, offset[0], CHUNK.duplicate()));
            offset[0] = (offset[0] + CHUNK.readableBytes()) % FILE;
        });
        measure(trail, name, "read 64 KiB", () -> {
            CodecBuffers.releasePayload(s.call(new TMessage.Tread(1, offset[0], CHUNK.readableBytes())));
            offset[0] = (offset[0] + CHUNK.readableBytes()) % FILE;
        });
    }

    /**
     * The meta workload's operations as bench/compare-diod.sh's meta row sends them, phase by phase over rounds of
     * {@link #META_FILES} names: walk clone + Tlcreate + Tclunk each, then walk of the name + Tgetattr + Tclunk each,
     * then Tunlinkat each. Each request type is counted apart ({@code -Dbench.metaRounds} rounds after as many
     * uncounted).
     */
    private static void meta(AuditTrail trail, String setup, TestSession s) throws Exception {
        int rounds = Integer.getInteger("bench.metaRounds", 20);
        Map<String, long[]> costs = new LinkedHashMap<>();
        for (int round = -rounds; round < rounds; round++) {
            Map<String, long[]> into = round < 0 ? new HashMap<>() : costs;
            for (int i = 0; i < META_FILES; i++) {
                count(trail, into, "Twalk clone", new TMessage.Twalk(TestSession.ROOT, 10, List.of()), s);
                count(trail, into, "Tlcreate", new TMessage.Tlcreate(10, "m" + i, 0101, 0644, 0), s);
                count(trail, into, "Tclunk (created)", new TMessage.Tclunk(10), s);
            }
            for (int i = 0; i < META_FILES; i++) {
                count(trail, into, "Twalk 1 name", new TMessage.Twalk(TestSession.ROOT, 11, List.of("m" + i)), s);
                count(trail, into, "Tgetattr (walked)", new TMessage.Tgetattr(11, 0x3fff), s);
                count(trail, into, "Tclunk (walked)", new TMessage.Tclunk(11), s);
            }
            for (int i = 0; i < META_FILES; i++) {
                count(trail, into, "Tunlinkat", new TMessage.Tunlinkat(TestSession.ROOT, "m" + i, 0), s);
            }
        }
        costs.forEach((op, c) -> System.out.printf(
                Locale.ROOT,
                "%-18s %-18s %,10d requests %,8d B/request %,8d CPU ns/request %5.2f backend calls (%4.2f statx)%n",
                setup,
                op,
                c[0],
                c[1] / c[0],
                c[2] / c[0],
                (double) c[3] / c[0],
                (double) c[4] / c[0]));
    }

    private static final int META_FILES = 1000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static int served;

    private static void count(
            AuditTrail trail, Map<String, long[]> into, String op, TMessage.FileRequest request, TestSession s)
            throws Exception {
        var threads = THREADS;
        long bytes = threads.getCurrentThreadAllocatedBytes();
        long cpu = threads.getCurrentThreadCpuTime();
        long calls = LinuxSyscalls.calls();
        long stats = LinuxSyscalls.statxCalls();
        s.call(request);
        if (BATCH > 0 && ++served % BATCH == 0) {
            trail.writeHeld();
        }
        long[] c = into.computeIfAbsent(op, k -> new long[5]);
        c[0]++;
        c[2] += threads.getCurrentThreadCpuTime() - cpu;
        c[3] += LinuxSyscalls.calls() - calls;
        c[4] += LinuxSyscalls.statxCalls() - stats;
        c[1] += threads.getCurrentThreadAllocatedBytes() - bytes;
    }

    @FunctionalInterface
    private interface Request {
        void run() throws Exception;
    }

    private static void measure(AuditTrail trail, String setup, String op, Request one) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int[] served = {0};
        Request request = () -> {
            one.run();
            if (BATCH > 0 && ++served[0] % BATCH == 0) {
                trail.writeHeld(); // what the session's flush does at the end of a batch
            }
        };
        for (long i = 0; i < WARMUP; i++) { // warm-up, not counted
            request.run();
        }
        long end = System.nanoTime() + SECONDS * 1_000_000_000L;
        long n = 0;
        long bytes = threads.getCurrentThreadAllocatedBytes();
        long cpu = threads.getCurrentThreadCpuTime();
        long calls = LinuxSyscalls.calls();
        long stats = LinuxSyscalls.statxCalls();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1_000; i++) {
                request.run();
            }
            n += 1_000;
        }
        cpu = threads.getCurrentThreadCpuTime() - cpu;
        bytes = threads.getCurrentThreadAllocatedBytes() - bytes;
        calls = LinuxSyscalls.calls() - calls;
        stats = LinuxSyscalls.statxCalls() - stats;
        System.out.printf(
                Locale.ROOT,
                "%-18s %-13s %,10d requests %,8d B/request %,8d CPU ns/request %5.2f backend calls (%4.2f statx)%n",
                setup,
                op,
                n,
                bytes / n,
                cpu / n,
                (double) calls / n,
                (double) stats / n);
    }
}

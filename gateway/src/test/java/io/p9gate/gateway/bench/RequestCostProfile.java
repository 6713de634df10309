package io.p9gate.gateway.bench;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.Durability;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
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
import java.util.Locale;

/**
 * What one audited request costs the thread that serves it, in process (no codec, no network): the bench policy
 * of {@code bench/policy/bench.yaml} (read-only and hidden subtrees, a deny rule, a quota, an id map) and the
 * signed audit log, against the same policy without audit. Prints bytes allocated and CPU nanoseconds per request
 * of the serving thread (from {@code ThreadMXBean}: exact for allocation, and CPU rather than wall time, which on
 * this shared machine measures waiting for a core). Run it under JFR to see where the time goes
 * (docs/performance.md, "Where a request's time goes"). Run with {@code gateway/bench-run.sh RequestCostProfile};
 * {@code -Dbench.seconds} is how long each operation runs.
 */
public final class RequestCostProfile {
    private static final byte[] BLOCK = new byte[4096];
    private static final long SECONDS = Long.getLong("bench.seconds", 10);

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
            for (AuditTrail trail : new AuditTrail[] {new NoAudit(), audit}) {
                ShareServerFactory factory = PolicyServed.shares(holder, trail);
                TestSession s = TestSession.attached(factory, listener, io.p9gate.policy.dialect.Dialect.L, "share");
                s.walk(TestSession.ROOT, 1, "f");
                s.lopen(1, 2);
                String name = trail instanceof NoAudit ? "policy, no audit" : "policy + audit";
                measure(name, "getattr", () -> s.call(new TMessage.Tgetattr(1, 0x3fff)));
                measure(name, "write 4 KiB", () -> s.call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(BLOCK))));
                factory.close();
            }
        }
    }

    @FunctionalInterface
    private interface Request {
        void run() throws Exception;
    }

    private static void measure(String setup, String op, Request request) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 200_000; i++) { // warm-up, not counted
            request.run();
        }
        long end = System.nanoTime() + SECONDS * 1_000_000_000L;
        long n = 0;
        long bytes = threads.getCurrentThreadAllocatedBytes();
        long cpu = threads.getCurrentThreadCpuTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1_000; i++) {
                request.run();
            }
            n += 1_000;
        }
        cpu = threads.getCurrentThreadCpuTime() - cpu;
        bytes = threads.getCurrentThreadAllocatedBytes() - bytes;
        System.out.printf(
                Locale.ROOT,
                "%-18s %-12s %,10d requests %,8d B/request %,8d CPU ns/request%n",
                setup,
                op,
                n,
                bytes / n,
                cpu / n);
    }
}

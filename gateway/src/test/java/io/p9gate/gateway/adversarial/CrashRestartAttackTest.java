package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 10: {@code kill -9} of {@code serve --policy ... --audit-dir ... --audit-key ...} at a random
 * moment of a create/write load, 50 times on one log. After every crash and every restart {@code p9gate audit
 * verify} passes (a crash tail is allowed and reported as such, never as tampering), and every file on disk has
 * the intent records of its creation and of its data: the record of a change is written before the change.
 */
class CrashRestartAttackTest {
    private static final int CRASHES = 50;
    private static final int SMALL_SEGMENT_CRASHES = 20;
    private static final int WRITERS = 2;
    private static final byte[] DATA = new byte[4096];

    @TempDir
    Path tmp;

    @Test
    void fiftyKillsDuringWritesNeverReadAsTampering() throws Exception {
        killsDuringWrites(CRASHES, List.of());
    }

    /**
     * With 8 KiB segments every few requests rotate, so a kill often comes between a rotation and its seal, the new
     * segment's records still in {@code segment-next.pending}: the check read only named segments, and a file whose
     * intents were there was reported to hold data without them (seed 2820773412916). Rerun a seed with
     * {@code -Dp9gate.crash.seed=N}.
     */
    @Test
    void killsBetweenRotationsAndTheirSealsLoseNoIntent() throws Exception {
        killsDuringWrites(SMALL_SEGMENT_CRASHES, List.of("--audit-segment-bytes", "8KiB"));
    }

    private void killsDuringWrites(int crashes, List<String> serveArgs) throws Exception {
        long seed = Long.getLong("p9gate.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        AuditedGatewayProcess gateway = new AuditedGatewayProcess(tmp, serveArgs);
        long started = System.nanoTime();
        for (int crash = 0; crash < crashes; crash++) {
            String when = "crash " + crash + " (seed " + seed + ")";
            gateway.start(0);
            assertVerifies(gateway.logs, "after the restart before " + when);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger done = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                String prefix = "c" + crash + "-w" + w + "-";
                writers.add(Thread.ofPlatform().start(() -> createAndWrite(gateway.socket, prefix, stop, done)));
            }
            while (done.get() < 4 && writers.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(400)); // then kill at a random moment of the load
            gateway.kill();
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            assertTrue(done.get() >= 4, "the load ran before " + when + ": " + gateway.stderrText());
            assertVerifies(gateway.logs, "the image of " + when);
            assertEveryFileHasItsIntents(gateway, when);
        }
        gateway.start(0);
        gateway.stop(); // SIGTERM: the shutdown record and the final checkpoint (the JVM then exits 143)
        VerificationReport last =
                new Verifier(List.of(gateway.logs.key.verifierKey()), null, Progress.NONE).verify(gateway.logs.dir);
        assertTrue(last.ok(), last.summary());
        assertEquals(last.records(), last.anchored(), "the final checkpoint anchors everything: " + last.summary());
        System.out.printf(
                "CrashRestartAttackTest: %d kill -9 restarts, %d records, %d files, %.1f s%n",
                crashes, last.records(), fileCount(gateway.share), (System.nanoTime() - started) / 1e9);
    }

    /** Creates and writes files until the gateway dies under it (or it is told to stop). */
    private static void createAndWrite(Path socket, String prefix, AtomicBoolean stop, AtomicInteger done) {
        try (P9Client client = P9Client.open(UnixDomainSocketAddress.of(socket), 65536)) {
            client.attach(0, "root", "data", 0);
            for (int i = 0; !stop.get(); i++) {
                client.walk(0, 1);
                client.lcreate(1, prefix + i, 1, 0644, 0);
                client.write(1, 0, DATA);
                client.clunk(1);
                done.incrementAndGet();
            }
        } catch (Exception killed) {
            // the gateway was killed under this request: that is the test
        }
    }

    /** {@code p9gate audit verify} as a reviewer runs it: exit 0, and a crash tail reported as a crash. */
    private static void assertVerifies(SignedLogs logs, String when) {
        SignedLogs.Verified v = logs.verify();
        assertEquals(0, v.exit(), when + ":\n" + v.output());
        assertTrue(v.output().startsWith("OK: "), when + ":\n" + v.output());
    }

    /** Every file on disk was preceded by an intent to create it and, if it holds data, an intent to write. */
    private static void assertEveryFileHasItsIntents(AuditedGatewayProcess gateway, String when) throws Exception {
        Set<String> created = new HashSet<>();
        Set<String> written = new HashSet<>();
        for (AuditRecord r : gateway.logs.recordsOfCrashImage()) {
            if (r.isDecision() && r.detail() != null && r.detail().contains("phase=intent")) {
                switch (r.op()) {
                    case "lcreate" -> created.add(r.path());
                    case "write" -> written.add(r.path());
                    default -> {}
                }
            }
        }
        try (Stream<Path> files = Files.list(gateway.share)) {
            for (Path f : files.toList()) {
                String path = "/" + f.getFileName();
                assertTrue(created.contains(path), when + ": " + path + " exists without its create intent");
                if (Files.size(f) > 0) {
                    assertTrue(written.contains(path), when + ": " + path + " holds data without a write intent");
                }
            }
        }
    }

    private static long fileCount(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}

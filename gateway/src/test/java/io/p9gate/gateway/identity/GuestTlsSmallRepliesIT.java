package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.guest.GuestHarness;
import io.p9gate.gateway.guest.GuestResult;
import io.p9gate.gateway.guest.GuestRun;
import io.p9gate.gateway.guest.RepoPaths;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of small replies over mutual TLS through the real Linux client (tls-small.sh): stats and 100-byte reads
 * of 300 files, four rounds, then 2,000 stats of one; every round's bytes are the host's, and the allocator's memory
 * the gateway's replies use (Netty's default allocator, sampled every 100 ms in this JVM) stays bounded.
 */
class GuestTlsSmallRepliesIT {
    private static final int FILES = 300;
    private static final int ROUNDS = 4;
    private static final int STATS = 2000;
    /** Far above what a handful of 100-byte replies and TLS records need, far below a leak of one buffer a reply. */
    private static final long MEMORY_BOUND = 64L << 20;

    @TempDir
    Path tmp;

    @Test
    void smallRepliesOverTlsAreExactAndTheirMemoryBounded() throws Exception {
        GuestHarness harness = GuestHarness.locate();
        assertInstanceOf(ByteBufAllocatorMetricProvider.class, ByteBufAllocator.DEFAULT, "an allocator that counts");
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        int port = GuestTlsIT.freeLoopbackPort();
        try (IdentityRig rig = new IdentityRig(tmp)) {
            Path small = Files.createDirectories(rig.shareA.resolve("small"));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < FILES; i++) {
                byte[] content = ("%03d".formatted(i) + "x".repeat(96) + "\n").getBytes(StandardCharsets.US_ASCII);
                Files.write(small.resolve("f%03d".formatted(i)), content);
                all.write(content);
            }
            rig.countOnly = true;
            rig.start("""
                    a:
                      listen: tls:127.0.0.1:%d
                      client-cert: {ca: %s, subject: "CN=a"}
                      shares: {a: {path: %%A, access: read-write}}
                    """.formatted(port, pki.dir().resolve(TestPki.CA_CERT)), IdentityRig.serverTls(pki));
            AtomicLong most = new AtomicLong();
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    most.accumulateAndGet(used(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            GuestResult run;
            try {
                run = harness.runTls(
                        "p9gate-tls-small",
                        new InetSocketAddress("127.0.0.1", port),
                        pki.dir().resolve("a"),
                        GuestRun.script(RepoPaths.guestScripts().resolve("tls-small.sh"))
                                .withEnv("ROUNDS", Integer.toString(ROUNDS))
                                .withEnv("STATS", Integer.toString(STATS))
                                .withTimeout(Duration.ofMinutes(8)));
            } finally {
                sampler.interrupt();
                sampler.join();
            }
            assertEquals(0, GuestTlsIT.scriptExit(run), run::describe);
            Map<String, String> want = new LinkedHashMap<>();
            String hostSum =
                    HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(all.toByteArray()));
            for (int i = 1; i <= ROUNDS; i++) {
                want.put("round-" + i, hostSum);
            }
            want.put("stats", STATS + " 100");
            want.put("done", "1");
            Map<String, String> got = new LinkedHashMap<>();
            want.keySet().forEach(k -> got.put(k, run.marks().get(k)));
            assertEquals(want, got, run::describe);
            System.out.printf(
                    "GuestTlsSmallRepliesIT: %d requests recorded; allocator memory used at most %d KiB%n",
                    rig.recorded.get(), most.get() >> 10);
            assertTrue(rig.recorded.get() > ROUNDS * FILES * 2L + STATS, "requests recorded: " + rig.recorded.get());
            assertTrue(most.get() > 0, "the sampler saw the replies' memory");
            assertTrue(most.get() < MEMORY_BOUND, "allocator memory used at most " + most.get());
        }
    }

    /** Direct and heap memory Netty's default allocator has handed out (arenas' chunks included). */
    private static long used() {
        ByteBufAllocatorMetricProvider provider = (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
        return provider.metric().usedDirectMemory() + provider.metric().usedHeapMemory();
    }
}

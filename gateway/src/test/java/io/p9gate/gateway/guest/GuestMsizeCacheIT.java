package io.p9gate.gateway.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Linux client at msize 1 MiB (the fd transport's most, through the harness's socketpair relay) with
 * cache=none and cache=loose against PolicyFixture's VM alpha (msize-cache.sh): 64 MiB written and read back with dd
 * bs=1M are the guest's bytes, the read-only /base refuses a write with EROFS and the hidden /secret is neither listed
 * nor found, each recorded in the signed log; the memory Netty's allocator hands the gateway's 1 MiB messages out of
 * (sampled every 100 ms in this JVM) stays bounded, and this JVM's resident size is printed before and at its most.
 */
class GuestMsizeCacheIT {
    private static final int MSIZE = 1 << 20;
    private static final int EROFS = 30;
    /** A few 1 MiB messages in flight, each perhaps copied once, are far below it; one kept a message is far above. */
    private static final long MEMORY_BOUND = 64L << 20;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"cache=none", "cache=loose"})
    void oneMebibyteMessagesUnderEachCacheMode(String cache) throws Exception {
        GuestHarness harness = GuestHarness.locate();
        SignedAlpha alpha = SignedAlpha.in(tmp);
        AtomicLong most = new AtomicLong();
        AtomicLong mostRss = new AtomicLong();
        long rssBefore = residentKib();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                most.accumulateAndGet(allocated(), Math::max);
                mostRss.accumulateAndGet(residentKib(), Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        GuestResult result;
        try {
            result = alpha.run(
                    harness,
                    "p9gate-msize-" + cache.replace('=', '-'),
                    GuestRun.script(RepoPaths.composed(tmp.resolve("script"), "marks.sh", "msize-cache.sh"))
                            .withMsize(MSIZE)
                            .withMountOpts(cache)
                            .withTimeout(Duration.ofMinutes(4)));
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        System.out.printf(
                "GuestMsizeCacheIT %s: allocator at most %d KiB; RSS %d KiB before, at most %d KiB%n",
                cache, most.get() >> 10, rssBefore, mostRss.get());
        Map<String, String> seen = result.marks();
        assertFalse(result.output().contains("9pnet"), result::describe);
        // 6.1 shows cache=none as nothing and cache=loose as "loose" among the mount's options.
        assertEquals(
                cache.equals("cache=loose"),
                List.of(String.valueOf(seen.get("opts")).split(",")).contains("loose"),
                result::describe);
        Map<String, String> want = new LinkedHashMap<>();
        want.put("msize", Integer.toString(MSIZE));
        want.put("opts", seen.get("opts"));
        want.put("src", seen.get("src"));
        want.put("write", "OK");
        want.put("read", seen.get("src"));
        want.put("cmp", "OK");
        want.put("size", Integer.toString(64 << 20));
        want.put("ro-write", "1:dd: can't open 'base/big': Read-only file system");
        want.put("ro-list", "map.db,");
        want.put("hidden-list", ".,..,base,big,cache,notes.txt,");
        want.put("hidden-stat", "1:ENOENT");
        want.put("done", "");
        ExpectedMarks.assertMarks(want, seen, result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertTrue(most.get() > 0, "the sampler saw the messages' memory");
        assertTrue(most.get() < MEMORY_BOUND, "allocator memory used at most " + most.get());

        SignedLogs.Verified verified = alpha.logs().verify();
        assertEquals(0, verified.exit(), verified.output());
        List<AuditRecord> records = alpha.logs().records();
        assertTrue(
                records.stream().anyMatch(r -> r.refused() && "/base/big".equals(r.path()) && r.errno() == EROFS),
                "the read-only refusal is recorded");
        long written = records.stream()
                .filter(r -> r.isDecision() && "write".equals(r.op()) && "/big".equals(r.path()))
                .count();
        assertTrue(written >= 64, "1 MiB writes of /big recorded: " + written);
    }

    /** Direct and heap memory Netty's default allocator has handed out (arenas' chunks included). */
    private static long allocated() {
        ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }

    /** This JVM's resident set size in KiB (/proc/self/status VmRSS), 0 where there is none. */
    private static long residentKib() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")))
                    .findFirst()
                    .orElse(0L);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}

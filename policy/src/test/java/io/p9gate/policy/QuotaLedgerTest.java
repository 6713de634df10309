package io.p9gate.policy;

import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaExceededException;
import io.p9gate.policy.quota.QuotaLedger;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.quota.Reservation;
import io.p9gate.policy.quota.Usage;
import io.p9gate.policy.quota.UsageScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** R-POL-6: reserve-before-write accounting in bytes and inodes. */
class QuotaLedgerTest {

    private static QuotaSpec spec(String subtree, long bytes, long inodes) {
        return new QuotaSpec("q", "vm", "logs", SharePath.of(subtree), bytes, inodes);
    }

    @Test
    void reservationPastTheLimitFailsWithEdquotAndTakesNothing() throws Exception {
        QuotaLedger l = new QuotaLedger(spec("/", 100, 10), new Usage(90, 1));
        QuotaExceededException e = assertThrows(QuotaExceededException.class, () -> l.reserve(new Usage(11, 0)));
        assertEquals("EDQUOT", e.errno());
        assertEquals(new Usage(90, 1), l.used());
        l.reserve(new Usage(10, 0)).commit(new Usage(10, 0));
        assertEquals(new Usage(100, 1), l.used());
        assertThrows(QuotaExceededException.class, () -> l.reserve(new Usage(0, 10)));
    }

    @Test
    void commitKeepsWhatWasUsedAndReleaseGivesEverythingBack() throws Exception {
        QuotaLedger l = new QuotaLedger(spec("/", 1000, 10), Usage.ZERO);
        Reservation r = l.reserve(new Usage(500, 1));
        r.commit(new Usage(200, 1));
        r.release(); // ignored after commit
        assertEquals(new Usage(200, 1), l.used());
        try (Reservation r2 = l.reserve(new Usage(300, 2))) {
            assertEquals(new Usage(500, 3), l.used());
        }
        assertEquals(new Usage(200, 1), l.used());
        l.free(new Usage(200, 1));
        assertEquals(Usage.ZERO, l.used());
    }

    @Test
    void concurrentWritersNeverOvershootTheLimit() throws Exception {
        long limit = 10_000;
        QuotaLedger l = new QuotaLedger(spec("/", limit, Long.MAX_VALUE), Usage.ZERO);
        AtomicLong committed = new AtomicLong();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            fs.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 5_000; i++) {
                    long ask = 1 + (i * 7L + seed) % 13;
                    try {
                        Reservation r = l.reserve(new Usage(ask, 0));
                        if (i % 3 == 0) {
                            r.release();
                        } else {
                            r.commit(new Usage(ask, 0));
                            committed.addAndGet(ask);
                        }
                    } catch (QuotaExceededException e) {
                        // expected once full
                    }
                    if (l.used().bytes() > limit) throw new AssertionError("usage above limit: " + l.used());
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        assertEquals(committed.get(), l.used().bytes());
        // with 80000 attempts of 1..13 bytes the quota must have filled up to within one largest ask
        assertEquals(true, l.used().bytes() > limit - 13);
    }

    @Test
    void bookReservesInEveryCoveringScopeOrNone() throws Exception {
        QuotaLedger share = new QuotaLedger(spec("/", 1000, 100), Usage.ZERO);
        QuotaLedger logs = new QuotaLedger(spec("/logs", 100, 100), Usage.ZERO);
        QuotaBook book = new QuotaBook(List.of(share, logs));
        book.reserve("logs", SharePath.of("/logs/a"), new Usage(80, 1)).commit(new Usage(80, 1));
        book.reserve("logs", SharePath.of("/other"), new Usage(500, 1)).commit(new Usage(500, 1));
        assertThrows(QuotaExceededException.class, () -> book.reserve("logs", SharePath.of("/logs/b"), new Usage(30, 1)));
        assertEquals(new Usage(580, 2), share.used(), "refused reservation must be rolled back in the share scope");
        assertEquals(new Usage(80, 1), logs.used());
        assertEquals(List.of(), book.covering("media", SharePath.of("/logs/a")));
    }

    @Test
    void renameIntoAQuotaTakesFromItAndRenameOutGivesBack() throws Exception {
        QuotaLedger share = new QuotaLedger(spec("/", 1000, 100), new Usage(100, 1));
        QuotaLedger logs = new QuotaLedger(spec("/logs", 150, 100), new Usage(100, 1));
        QuotaBook book = new QuotaBook(List.of(share, logs));
        // /tmp/a (60 bytes) into /logs would take logs to 160 > 150
        assertThrows(QuotaExceededException.class, () -> book.reserveMove("logs", SharePath.of("/tmp/a"), SharePath.of("/logs/a"), new Usage(60, 1)));
        assertEquals(new Usage(100, 1), logs.used());
        book.reserveMove("logs", SharePath.of("/tmp/a"), SharePath.of("/logs/a"), new Usage(40, 1)).commit(new Usage(40, 1));
        assertEquals(new Usage(140, 2), logs.used());
        assertEquals(new Usage(100, 1), share.used(), "a move inside the share does not change the share's usage");
        book.reserveMove("logs", SharePath.of("/logs/a"), SharePath.of("/tmp/a"), new Usage(40, 1)).commit(new Usage(40, 1));
        assertEquals(new Usage(100, 1), logs.used());
        book.reserveMove("logs", SharePath.of("/logs/b"), SharePath.of("/tmp/b"), new Usage(10, 1)).release();
        assertEquals(new Usage(100, 1), logs.used(), "a failed rename changes nothing");
    }

    @Test
    void scanCountsBytesAndInodesSoUsageIsRightAfterRestart(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        Files.write(dir.resolve("a/f"), new byte[100]);
        Files.write(dir.resolve("a/b/g"), new byte[23]);
        Files.createLink(dir.resolve("a/b/g2"), dir.resolve("a/b/g"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc"));
        // a, a/b, a/f, a/b/g (once, hard link), link
        assertEquals(new Usage(123, 5), UsageScanner.scan(dir));
        assertEquals(Usage.ZERO, UsageScanner.scan(dir.resolve("missing")));
    }
}

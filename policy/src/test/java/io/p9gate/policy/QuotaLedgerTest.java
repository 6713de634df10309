package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.policy.quota.InodeId;
import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaExceededException;
import io.p9gate.policy.quota.QuotaLedger;
import io.p9gate.policy.quota.QuotaSpec;
import io.p9gate.policy.quota.Reservation;
import io.p9gate.policy.quota.Usage;
import io.p9gate.policy.quota.UsageScanner;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * Past its inodes (a reload tightened them, the host added files), a scope still lets a file grow within its bytes:
     * a reservation asking no inode needs none; past its bytes, even one asking no bytes is refused (a new entry's
     * directory growth is counted only after it is made).
     */
    @Test
    void aScopePastOneLimitRefusesOnlyWhatAsksOfIt() throws Exception {
        QuotaLedger pastInodes = new QuotaLedger(spec("/", 100, 10), new Usage(50, 12));
        pastInodes.reserve(new Usage(10, 0)).commit(new Usage(10, 0));
        assertEquals(new Usage(60, 12), pastInodes.used());
        assertThrows(QuotaExceededException.class, () -> pastInodes.reserve(new Usage(0, 1)));

        QuotaLedger pastBytes = new QuotaLedger(spec("/", 100, 10), new Usage(120, 2));
        assertThrows(QuotaExceededException.class, () -> pastBytes.reserve(new Usage(0, 1)));
        assertThrows(QuotaExceededException.class, () -> pastBytes.reserve(new Usage(0, 0)));
        assertEquals(new Usage(120, 2), pastBytes.used());
    }

    /**
     * A file gives back only what the ledger counted of it: nothing for one born after the scan that the gateway never
     * grew, its growth for one it did, and for files born before the scan, together, at most what the scan counted.
     */
    @Test
    void aFileGivesBackOnlyWhatWasCountedOfIt() throws Exception {
        long scan = 1_000;
        QuotaLedger l =
                new QuotaLedger(spec("/", 4000, 10), new UsageScanner.Measured(new Usage(1000, 2), Map.of()), scan);
        InodeId dropped = new InodeId(1, 10);
        l.lastNameGone(dropped, scan, 1000); // born as the scan began: another writer's
        l.free(new Usage(1000, 1)); // its last close frees its whole size
        assertEquals(new Usage(1000, 1), l.used(), "nothing of a file the scope never counted");

        InodeId written = new InodeId(1, 11);
        l.reserve(new Usage(300, 0)).commit(new Usage(300, 0));
        l.resized(written, scan + 5, 0, 300);
        l.resized(written, scan + 5, 2000, 0); // grown to 2000 by another writer, then truncated
        assertEquals(new Usage(1000, 1), l.used(), "its 300 written bytes only");

        InodeId scanned = new InodeId(1, 12);
        InodeId grownScanned = new InodeId(1, 13);
        l.resized(grownScanned, scan - 1, 3000, 0); // the scan counted less of it than another writer made it
        l.gone(scanned, scan - 1, new Usage(600, 1));
        assertEquals(new Usage(0, 0), l.used(), "the scan's 1000 bytes given back once, not 3600");
    }

    /**
     * A scope of unlimited bytes gives back a file's whole size, as before per-file counts: it has no room to gain,
     * and following its files would grow the map by every file a VM touches there, with no limit to bound it.
     */
    @Test
    void aScopeOfUnlimitedBytesGivesBackWholeSizes() throws Exception {
        long scan = 1_000;
        QuotaLedger l = new QuotaLedger(
                spec("/", QuotaSpec.UNLIMITED, QuotaSpec.UNLIMITED),
                new UsageScanner.Measured(new Usage(1000, 2), Map.of()),
                scan);
        l.resized(new InodeId(1, 20), scan + 5, 1000, 400); // another writer's file, truncated
        assertEquals(new Usage(400, 2), l.used(), "its whole shrink");
        l.gone(new InodeId(1, 21), scan + 5, new Usage(400, 1));
        assertEquals(new Usage(0, 1), l.used(), "its whole size");
    }

    /**
     * Files whose count is 0 are not followed: a VM renaming symlinks or empty files it made between two scopes, or
     * truncating another writer's files, added an entry a round, bounded by nothing but a reload.
     */
    @Test
    void filesCountingNothingAreNotFollowed() throws Exception {
        long scan = 1_000;
        QuotaLedger l =
                new QuotaLedger(spec("/", 1 << 20, 1000), new UsageScanner.Measured(new Usage(0, 0), Map.of()), scan);
        for (int i = 0; i < 1000; i++) {
            InodeId moved = new InodeId(1, 100 + i);
            QuotaBook.reserveMove(List.of(l), List.of(), moved, scan + 5, new Usage(0, 1))
                    .commit(new Usage(0, 1)); // a symlink moved out
            QuotaBook.reserveMove(List.of(), List.of(l), moved, scan + 5, new Usage(0, 1))
                    .commit(new Usage(0, 1)); // and in again
            l.resized(new InodeId(2, i), scan + 5, 4096, 0); // another writer's file truncated
        }
        assertEquals(0, l.filesFollowed());
        InodeId written = new InodeId(3, 1);
        l.reserve(new Usage(10, 0)).commit(new Usage(10, 0));
        l.resized(written, scan + 5, 0, 10);
        assertEquals(1, l.filesFollowed(), "a file the VM wrote is followed");
    }

    /**
     * A file the scan found with a name outside the scope leaves it with its last name inside, as one moved out does:
     * giving back what was counted of it, its count going too. A count left behind was given back a second time by the
     * file that next took its number (the host removed the name outside; ext4 reuses numbers): room past the limit.
     */
    @Test
    void aFileLeavingWithItsLastNameInsideTakesItsCountAlong() throws Exception {
        long scan = 1_000;
        InodeId linked = new InodeId(1, 30);
        QuotaLedger l = new QuotaLedger(
                spec("/s", 1000, 10), new UsageScanner.Measured(new Usage(600, 2), Map.of(linked, 1)), scan);
        l.reserve(new Usage(100, 0)).commit(new Usage(100, 0));
        l.resized(linked, scan - 1, 300, 400); // the VM wrote 100 bytes through its name inside
        l.note(linked, scan - 1, 400); // and unlinks that name
        l.linkGone(linked, scan - 1, new Usage(400, 1));
        assertEquals(new Usage(300, 1), l.used(), "the scope's other file");

        l.reserve(new Usage(10, 0)).commit(new Usage(10, 0));
        l.resized(linked, scan + 5, 0, 10); // a file the VM made took the number, 10 bytes written
        l.resized(linked, scan + 5, 10, 0); // and truncated
        assertEquals(new Usage(300, 1), l.used(), "still the scope's other file");
        assertEquals(0, l.filesFollowed());
    }

    /**
     * Another writer removed a file the VM wrote (still counted: the ledger does not see it) and a new file took its
     * inode number: that file gives back the removed one's count, which the scope still holds, once, and nothing of
     * what another writer put in it.
     */
    @Test
    void aFileTakingARemovedFilesNumberGivesBackItsCountOnce() throws Exception {
        long scan = 1_000;
        QuotaLedger l = new QuotaLedger(spec("/", 1000, 10), new UsageScanner.Measured(Usage.ZERO, Map.of()), scan);
        InodeId number = new InodeId(1, 40);
        l.reserve(new Usage(800, 2)).commit(new Usage(800, 2));
        l.resized(new InodeId(1, 41), scan + 5, 0, 300); // the VM's file that stays
        l.resized(number, scan + 5, 0, 500); // the VM's file another writer then removes
        l.resized(number, scan + 10, 700, 0); // the new file at that number, filled by another writer, truncated
        assertEquals(new Usage(300, 2), l.used(), "the removed file's 500, once");
        l.resized(number, scan + 10, 700, 0); // filled and truncated again
        assertEquals(new Usage(300, 2), l.used());
        assertEquals(1, l.filesFollowed());
    }

    @Test
    void commitKeepsWhatWasUsedAndReleaseGivesEverythingBack() throws Exception {
        QuotaLedger l = new QuotaLedger(spec("/", 1000, 10), Usage.ZERO);
        Reservation r = l.reserve(new Usage(500, 1));
        r.commit(new Usage(200, 1));
        r.release(); // ignored after commit
        assertEquals(new Usage(200, 1), l.used());
        try (Reservation _ = l.reserve(new Usage(300, 2))) {
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
        assertThrows(
                QuotaExceededException.class, () -> book.reserve("logs", SharePath.of("/logs/b"), new Usage(30, 1)));
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
        assertThrows(
                QuotaExceededException.class,
                () -> book.reserveMove("logs", SharePath.of("/tmp/a"), SharePath.of("/logs/a"), new Usage(60, 1)));
        assertEquals(new Usage(100, 1), logs.used());
        book.reserveMove("logs", SharePath.of("/tmp/a"), SharePath.of("/logs/a"), new Usage(40, 1))
                .commit(new Usage(40, 1));
        assertEquals(new Usage(140, 2), logs.used());
        assertEquals(new Usage(100, 1), share.used(), "a move inside the share does not change the share's usage");
        book.reserveMove("logs", SharePath.of("/logs/a"), SharePath.of("/tmp/a"), new Usage(40, 1))
                .commit(new Usage(40, 1));
        assertEquals(new Usage(100, 1), logs.used());
        book.reserveMove("logs", SharePath.of("/logs/b"), SharePath.of("/tmp/b"), new Usage(10, 1))
                .release();
        assertEquals(new Usage(100, 1), logs.used(), "a failed rename changes nothing");
    }

    @Test
    void scanCountsBytesAndInodesSoUsageIsRightAfterRestart(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        Files.write(dir.resolve("a/f"), new byte[100]);
        Files.write(dir.resolve("a/b/g"), new byte[23]);
        Files.createLink(dir.resolve("a/b/g2"), dir.resolve("a/b/g"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc"));
        // a, a/b, a/f, a/b/g and a/b/g2 (two names: two inodes, its bytes once), link
        assertEquals(new Usage(123, 6), UsageScanner.scan(dir));
        assertEquals(Usage.ZERO, UsageScanner.scan(dir.resolve("missing")));
    }

    /**
     * The gateway's entries being made ({@code .p9gate-making-*}, gateway backend.Names) are no guest's: none can
     * see, walk to or remove one, so counting them left a scope short of what its guest can free. A stopped gateway
     * leaves such names, and a made entry whose reserved name could not be unlinked keeps it as a second name: each
     * name was one more inode (an inode counted twice for one Tsymlink), and a leftover directory's content too.
     */
    @Test
    void theGatewaysNamesOfEntriesBeingMadeAreNotCounted(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("kept"), new byte[10]);
        Files.createLink(dir.resolve(".p9gate-making-00112233445566778899aabbccddeeff"), dir.resolve("kept"));
        Files.createDirectories(dir.resolve(".p9gate-making-ffeeddccbbaa99887766554433221100/inside"));
        assertEquals(new Usage(10, 1), UsageScanner.scan(dir), "only the guest's own name");
    }

    @Test
    void anEntryATakeBackMovedAsideStaysCounted(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("kept"), new byte[10]);
        // Another session's file, with its data: the running count keeps it charged, so must a rescan.
        Files.write(dir.resolve(".p9gate-making-aside-00112233445566778899aabbccddeeff"), new byte[5]);
        assertEquals(new Usage(15, 2), UsageScanner.scan(dir));
    }

    @Test
    void scanRemembersFilesWithNamesOutsideTheScope(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("scope/sub"));
        Files.createDirectories(dir.resolve("elsewhere"));
        Files.write(dir.resolve("scope/both"), new byte[10]);
        Files.createLink(dir.resolve("scope/sub/both"), dir.resolve("scope/both"));
        Files.write(dir.resolve("scope/out"), new byte[7]);
        Files.createLink(dir.resolve("elsewhere/out"), dir.resolve("scope/out"));
        Files.createLink(dir.resolve("elsewhere/out2"), dir.resolve("scope/out"));

        UsageScanner.Measured m = UsageScanner.measure(dir.resolve("scope"));
        // sub, both (two names inside: two inodes, its bytes once), out (three names, one inside)
        assertEquals(new Usage(17, 4), m.usage());
        assertEquals(Map.of(idOf(dir.resolve("scope/out")), 1), m.linkedOutside());
        assertEquals(Map.of(), UsageScanner.measure(dir).linkedOutside(), "from the top every name is inside");
    }

    @Test
    void aFileAtAScopesRootCountsButTheRootDirectoryDoesNot(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("f"), new byte[42]);
        assertEquals(new Usage(42, 1), UsageScanner.scan(dir.resolve("f")));
        assertEquals(new Usage(42, 1), UsageScanner.scan(dir), "the top directory itself is not counted");
    }

    @Test
    void theScanReachesAScopeAsAGuestDoesNeverThroughASymlink(@TempDir Path dir) throws Exception {
        Path share = Files.createDirectories(dir.resolve("share"));
        Path outside = Files.createDirectories(dir.resolve("outside/cache"));
        Files.write(outside.resolve("big"), new byte[1000]);
        Files.createSymbolicLink(share.resolve("work"), dir.resolve("outside"));
        assertEquals(
                UsageScanner.Measured.NOTHING,
                UsageScanner.measure(share, SharePath.of("/work/cache")),
                "/work is a symlink: /work/cache is unreachable for the guest, and not scanned");

        Files.delete(share.resolve("work"));
        Files.createDirectories(share.resolve("work"));
        Files.createSymbolicLink(share.resolve("work/cache"), outside);
        assertEquals(
                new Usage(0, 1),
                UsageScanner.measure(share, SharePath.of("/work/cache")).usage(),
                "a symlink where the scope's root should be is one entry");

        Files.delete(share.resolve("work/cache"));
        Files.createDirectories(share.resolve("work/cache"));
        Files.write(share.resolve("work/cache/small"), new byte[10]);
        Files.createSymbolicLink(share.resolve("work/cache/sub"), outside);
        assertEquals(
                new Usage(10, 2),
                UsageScanner.measure(share, SharePath.of("/work/cache")).usage());
        assertEquals(
                new Usage(10, 4), UsageScanner.measure(share, SharePath.ROOT).usage());
    }

    @Test
    void anEntryCountsInTheScopesContainingItAndThoseFollowingItByIdentity() throws Exception {
        QuotaLedger share = new QuotaLedger(spec("/", 1000, 100), Usage.ZERO);
        QuotaLedger cache = new QuotaLedger(
                spec("/cache", 1000, 100), new UsageScanner.Measured(new Usage(5, 1), Map.of(new InodeId(1, 2), 1)));
        QuotaBook book = new QuotaBook(List.of(share, cache));

        assertEquals(List.of(share, cache), book.counting("logs", SharePath.of("/cache/f"), null, false));
        assertEquals(
                List.of(share),
                book.counting("logs", SharePath.of("/cache"), null, true),
                "a scope's root directory is not counted by that scope (as the scan does not)");
        assertEquals(List.of(share, cache), book.counting("logs", SharePath.of("/cache"), null, false));
        assertEquals(
                List.of(share, cache),
                book.counting("logs", SharePath.of("/out"), new InodeId(1, 2), false),
                "a write through a name outside grows a file /cache counts");
        assertEquals(List.of(share), book.counting("logs", SharePath.of("/out"), new InodeId(1, 3), false));

        // As the gateway links: the new name's inode is reserved first.
        book.reserve("logs", SharePath.of("/cache/g"), new Usage(0, 1)).commit(new Usage(0, 1));
        book.linkMade("logs", SharePath.of("/cache/g"), new InodeId(1, 2));
        assertEquals(new Usage(5, 2), cache.used(), "two names inside: an inode each, the bytes once");
        book.linkGone("logs", SharePath.of("/cache/f"), new InodeId(1, 2), 0, new Usage(5, 1));
        assertEquals(new Usage(5, 1), cache.used(), "one of its two names inside is left: its inode went");
        book.linkGone("logs", SharePath.of("/cache/g"), new InodeId(1, 2), 0, new Usage(5, 1));
        assertEquals(Usage.ZERO, cache.used(), "its last name inside went: it left the scope");
        assertEquals(List.of(share), book.counting("logs", SharePath.of("/out"), new InodeId(1, 2), false));
    }

    @Test
    void aScopesRootIsHeldByItselfAndItsAncestors() {
        QuotaBook book = new QuotaBook(List.of(new QuotaLedger(spec("/work/cache", 10, 10), Usage.ZERO)));
        assertEquals(true, book.holdsScopeRoot("logs", SharePath.of("/work")));
        assertEquals(true, book.holdsScopeRoot("logs", SharePath.of("/work/cache")));
        assertEquals(true, book.holdsScopeRoot("logs", SharePath.ROOT));
        assertEquals(false, book.holdsScopeRoot("logs", SharePath.of("/work/cache/sub")));
        assertEquals(false, book.holdsScopeRoot("logs", SharePath.of("/other")));
        assertEquals(false, book.holdsScopeRoot("media", SharePath.of("/work")));
    }

    private static InodeId idOf(Path p) throws Exception {
        Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino");
        return new InodeId((Long) a.get("dev"), (Long) a.get("ino"));
    }
}

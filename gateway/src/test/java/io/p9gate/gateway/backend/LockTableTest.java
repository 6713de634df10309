package io.p9gate.gateway.backend;

import static io.p9gate.gateway.proto.LockConstants.LOCK_BLOCKED;
import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_UNLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** POSIX byte-range semantics of the lock table: split, merge, conflicts, release. */
class LockTableTest {
    final LockTable table = new LockTable();
    final FileKey file = new FileKey(1, 2);
    final LockTable.Owner p1 = new LockTable.Owner(1, 100, "vm");
    final LockTable.Owner p2 = new LockTable.Owner(1, 200, "vm");
    final LockTable.Owner otherSession = new LockTable.Owner(2, 100, "vm");

    record Span(int type, long start, long end) {}

    List<Span> spans(LockTable.Owner owner) {
        return table.held(file).stream()
                .filter(r -> r.owner().equals(owner))
                .map(r -> new Span(r.type(), r.start(), r.end()))
                .sorted(java.util.Comparator.comparingLong(Span::start))
                .toList();
    }

    /**
     * A reload that takes a VM's write access releases its write locks only (SessionLocks.releaseRefused): the
     * owner's read ranges, and every other owner's, stay, and the budget gets back exactly the entries released.
     */
    @Test
    void releasingOneTypeKeepsTheOwnersOtherRanges() throws Exception {
        var budget = new io.p9gate.gateway.budget.Allowance(
                "vm", "budget.locks", io.p9gate.gateway.proto.Errno.ENOLCK, 10, null);
        var owner = new LockTable.Owner(1, 100, "vm", budget);
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_WRLCK, 0, 1));
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_RDLCK, 10, 1));
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_WRLCK, 20, 1));
        assertEquals(LOCK_SUCCESS, table.lock(file, p2, LOCK_TYPE_WRLCK, 30, 1));
        assertEquals(3, budget.used());

        table.release(file, owner, LOCK_TYPE_WRLCK);

        assertEquals(List.of(new Span(LOCK_TYPE_RDLCK, 10, 11)), spans(owner));
        assertEquals(List.of(new Span(LOCK_TYPE_WRLCK, 30, 31)), spans(p2));
        assertEquals(1, budget.used(), "the two write ranges' entries given back");
        table.release(file, owner, LOCK_TYPE_RDLCK);
        table.release(file, p2, LOCK_TYPE_WRLCK);
        assertEquals(0, table.lockedFiles(), "no entry kept for a file without locks");
    }

    /**
     * A reload that takes a VM's writing but not its reading makes its write locks read locks of the same ranges
     * (SessionLocks.releaseRefused, LockTable.downgrade): they merge with the owner's own touching read ranges only,
     * never with another VM's adjacent one, the budget gets back the entries merged away, and the downgraded ranges
     * then act as any read lock: another VM reads over them, its writer is blocked, the owner's unlock splits them.
     */
    @Test
    void aDowngradeMergesOnlyTheOwnersRangesAndActsAsAReadLock() throws Exception {
        var budget = new io.p9gate.gateway.budget.Allowance(
                "vm", "budget.locks", io.p9gate.gateway.proto.Errno.ENOLCK, 10, null);
        var owner = new LockTable.Owner(1, 100, "vm", budget);
        var otherVm = new LockTable.Owner(
                2,
                100,
                "vm",
                new io.p9gate.gateway.budget.Allowance(
                        "other", "budget.locks", io.p9gate.gateway.proto.Errno.ENOLCK, 10, null));
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_WRLCK, 0, 10));
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_RDLCK, 10, 10));
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_WRLCK, 20, 10));
        assertEquals(LOCK_SUCCESS, table.lock(file, otherVm, LOCK_TYPE_RDLCK, 30, 10));
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_WRLCK, 50, 0));
        assertEquals(4, budget.used());

        table.downgrade(file, owner);

        assertEquals(
                List.of(new Span(LOCK_TYPE_RDLCK, 0, 30), new Span(LOCK_TYPE_RDLCK, 50, Long.MAX_VALUE)), spans(owner));
        assertEquals(List.of(new Span(LOCK_TYPE_RDLCK, 30, 40)), spans(otherVm), "another VM's range untouched");
        assertEquals(2, budget.used(), "the entries merged away given back");
        assertEquals(LOCK_SUCCESS, table.lock(file, otherVm, LOCK_TYPE_RDLCK, 0, 0), "readers share it now");
        assertEquals(LOCK_SUCCESS, table.lock(file, otherVm, LOCK_TYPE_UNLCK, 0, 0));
        assertEquals(LOCK_BLOCKED, table.lock(file, otherVm, LOCK_TYPE_WRLCK, 25, 1), "a writer still waits");
        assertEquals(LOCK_SUCCESS, table.lock(file, owner, LOCK_TYPE_UNLCK, 5, 10));
        assertEquals(
                List.of(
                        new Span(LOCK_TYPE_RDLCK, 0, 5),
                        new Span(LOCK_TYPE_RDLCK, 15, 30),
                        new Span(LOCK_TYPE_RDLCK, 50, Long.MAX_VALUE)),
                spans(owner));
        assertEquals(3, budget.used());
        assertEquals(LOCK_SUCCESS, table.lock(file, otherVm, LOCK_TYPE_WRLCK, 5, 10), "the unlocked hole is free");
    }

    /**
     * The table is one gateway-wide lock, and every Tlock copies and scans its file's whole range list: one VM
     * holding 40,000 disjoint ranges on a file made each Tlock take 2.2 ms under the lock every VM's Tlock, Tgetlock,
     * clunk and session close waits for (and building them 46 s). A file holds at most MAX_RANGES_PER_FILE ranges:
     * past it a lock that adds ranges is ENOLCK and changes nothing, as fcntl(2) answers when the lock table is full.
     */
    @Test
    void aFileHoldsABoundedNumberOfRanges() throws Exception {
        int max = LockTable.MAX_RANGES_PER_FILE;
        for (int i = 0; i < max; i++) {
            assertEquals(LOCK_SUCCESS, table.lock(file, p1, LOCK_TYPE_WRLCK, 2L * i, 1));
        }
        io.p9gate.gateway.proto.P9Exception full = org.junit.jupiter.api.Assertions.assertThrows(
                io.p9gate.gateway.proto.P9Exception.class,
                () -> table.lock(file, otherSession, LOCK_TYPE_RDLCK, 2L * max, 1));
        assertEquals(io.p9gate.gateway.proto.Errno.ENOLCK, full.errno());
        assertEquals(max, table.held(file).size(), "the refused lock changed nothing");
        assertEquals(LOCK_SUCCESS, table.lock(file, p1, LOCK_TYPE_WRLCK, 0, 2), "a lock that merges adds none");
        assertEquals(LOCK_SUCCESS, table.lock(file, p1, LOCK_TYPE_UNLCK, 0, 0), "unlocking always works");
        assertEquals(List.of(), table.held(file));
        assertEquals(LOCK_SUCCESS, table.lock(new FileKey(1, 3), otherSession, LOCK_TYPE_RDLCK, 0, 1));
    }

    @Test
    void unlockInTheMiddleSplits() throws Exception {
        table.lock(file, p1, LOCK_TYPE_WRLCK, 0, 100);
        table.lock(file, p1, LOCK_TYPE_UNLCK, 40, 20);
        assertEquals(List.of(new Span(LOCK_TYPE_WRLCK, 0, 40), new Span(LOCK_TYPE_WRLCK, 60, 100)), spans(p1));
    }

    @Test
    void changingTypeInTheMiddleSplitsInThree() throws Exception {
        table.lock(file, p1, LOCK_TYPE_WRLCK, 0, 100);
        table.lock(file, p1, LOCK_TYPE_RDLCK, 40, 20);
        assertEquals(
                List.of(
                        new Span(LOCK_TYPE_WRLCK, 0, 40),
                        new Span(LOCK_TYPE_RDLCK, 40, 60),
                        new Span(LOCK_TYPE_WRLCK, 60, 100)),
                spans(p1));
    }

    @Test
    void adjacentAndOverlappingSameTypeMerge() throws Exception {
        table.lock(file, p1, LOCK_TYPE_RDLCK, 0, 10);
        table.lock(file, p1, LOCK_TYPE_RDLCK, 10, 10);
        table.lock(file, p1, LOCK_TYPE_RDLCK, 30, 10);
        table.lock(file, p1, LOCK_TYPE_RDLCK, 15, 20);
        assertEquals(List.of(new Span(LOCK_TYPE_RDLCK, 0, 40)), spans(p1));
    }

    @Test
    void conflictMatrix() throws Exception {
        // {held, requested} -> blocked?
        int[][] cases = {
            {LOCK_TYPE_RDLCK, LOCK_TYPE_RDLCK, 0},
            {LOCK_TYPE_RDLCK, LOCK_TYPE_WRLCK, 1},
            {LOCK_TYPE_WRLCK, LOCK_TYPE_RDLCK, 1},
            {LOCK_TYPE_WRLCK, LOCK_TYPE_WRLCK, 1}
        };
        for (int[] c : cases) {
            LockTable t = new LockTable();
            assertEquals(LOCK_SUCCESS, t.lock(file, p1, c[0], 0, 10));
            int expected = c[2] == 1 ? LOCK_BLOCKED : LOCK_SUCCESS;
            assertEquals(expected, t.lock(file, p2, c[1], 5, 10), "same session, other process");
            LockTable fresh = new LockTable();
            fresh.lock(file, p1, c[0], 0, 10);
            assertEquals(expected, fresh.lock(file, otherSession, c[1], 9, 1), "other session");
            assertEquals(LOCK_SUCCESS, t.lock(file, p1, c[1], 0, 10), "own locks never conflict");
            assertEquals(LOCK_SUCCESS, t.lock(file, p2, c[1], 10, 10), "disjoint ranges never conflict");
        }
    }

    /**
     * One VM's Tlock on its file (up to MAX_RANGES_PER_FILE ranges copied and scanned, again and again in a lock
     * flood) must not hold up another VM's Tlock, Tgetlock, clunk or session close on another file: the first VM is
     * held inside its Tlock while the second locks, tests, releases and closes its session on another file.
     */
    @Test
    void aTlockInProgressOnOneFileHoldsUpNoOtherFile() throws Exception {
        FileKey flooded = new FileKey(1, 3);
        FileKey other = new FileKey(1, 4);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LockTable t = new LockTable(f -> {
            if (f.equals(flooded)) {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> flood = pool.submit(() -> t.lock(flooded, p1, LOCK_TYPE_WRLCK, 0, 10));
            inside.await();
            Future<?> otherVm = pool.submit(() -> {
                assertEquals(LOCK_SUCCESS, t.lock(other, otherSession, LOCK_TYPE_WRLCK, 0, 10));
                assertTrue(t.test(other, p1, LOCK_TYPE_RDLCK, 0, 1).isPresent());
                t.release(other, otherSession);
                assertEquals(LOCK_SUCCESS, t.lock(other, otherSession, LOCK_TYPE_RDLCK, 0, 10));
                t.releaseSession(otherSession.sessionId());
                assertEquals(List.of(), t.held(other));
                return null;
            });
            otherVm.get(60, TimeUnit.SECONDS); // on one table-wide lock: waits until the flood's Tlock ends
            release.countDown();
            assertEquals(LOCK_SUCCESS, flood.get(60, TimeUnit.SECONDS));
            assertEquals(1, t.lockedFiles());
            assertEquals(1, t.held(flooded).size());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void zeroLengthMeansToEndOfFile() throws Exception {
        table.lock(file, p1, LOCK_TYPE_WRLCK, 1000, 0);
        assertEquals(LOCK_BLOCKED, table.lock(file, p2, LOCK_TYPE_RDLCK, Long.MAX_VALUE - 10, 5));
        assertEquals(LOCK_SUCCESS, table.lock(file, p2, LOCK_TYPE_RDLCK, 0, 1000));
        assertTrue(table.test(file, p2, LOCK_TYPE_RDLCK, 999, 2).isPresent());
        assertEquals(0, table.test(file, p2, LOCK_TYPE_RDLCK, 999, 2).get().length());
    }

    @Test
    void releaseByOwnerAndBySession() throws Exception {
        table.lock(file, p1, LOCK_TYPE_RDLCK, 0, 10);
        table.lock(file, p2, LOCK_TYPE_RDLCK, 0, 10);
        table.lock(file, otherSession, LOCK_TYPE_RDLCK, 0, 10);
        table.release(file, p1);
        assertEquals(2, table.held(file).size());
        table.releaseSession(1);
        assertEquals(
                List.of(otherSession),
                table.held(file).stream().map(LockTable.Range::owner).toList());
        table.releaseSession(2);
        assertEquals(List.of(), table.held(file));
        assertEquals(0, table.lockedFiles(), "no entry is kept for a file without locks");
        assertEquals(LOCK_SUCCESS, table.lock(file, p1, LOCK_TYPE_UNLCK, 0, 0));
        assertEquals(0, table.lockedFiles());
    }
}

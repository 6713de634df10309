package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM with two shares of one host directory (or one inside the other) holds each watch once in its inotify instance
 * but in both shares ({@link WatchBudget}). Counted once per share, it looked twice its size: another VM needing a
 * watch took "its largest share's" newest watches, which the other share still held, so no watch was freed; the
 * requester's directory stayed unwatched and the holder's share started over for nothing, at every such request.
 */
class WatchGiverOverlappingSharesAttackTest {
    /** The gateway's watches here: two VMs watching, a fair part of half of them each. */
    private static final int ROOM = 200;

    /** Directories each of the holder's shares walks into: with the roots, every watch is held. */
    private static final int HELD_DIRS = ROOM - 3;

    @TempDir
    Path tmp;

    private ShareRoot first;
    private ShareRoot second;
    private ShareRoot other;
    private int base;
    private int limitBefore;

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 0; i < HELD_DIRS; i++) {
            Files.createDirectories(tmp.resolve("held/d" + i));
        }
        Files.createDirectories(tmp.resolve("other/a"));
        first = ShareRoot.open(tmp.resolve("held"), new QidMapper());
        first.watchMoves();
        second = ShareRoot.open(tmp.resolve("held"), new QidMapper());
        second.watchMoves();
        other = ShareRoot.open(tmp.resolve("other"), new QidMapper());
        other.watchMoves();
        base = HostMoves.watches();
        limitBefore = HostMoves.watchesAtMost(HostMoves.watchesCounted() + ROOM);
    }

    @AfterEach
    void tearDown() {
        HostMoves.watchesAtMost(limitBefore);
        first.close();
        second.close();
        other.close();
    }

    @Test
    void aVmOverItsPartThroughTwoSharesOfOneDirectoryGivesWatchesThatFreeRoom() throws Exception {
        Node a = WatchGiverSteps.descenderHoldsA(other);
        try (a) {
            WatchGiverSteps.holderWatchesEachDirectory(HELD_DIRS, first, second);
            // The holder's one instance watches each directory once, for both shares: 198 of the gateway's 200.
            assertEquals(HELD_DIRS + 1, HostMoves.watchedBy(first));
            assertEquals(HELD_DIRS + 1, HostMoves.watchedBy(second));
            assertEquals(ROOM, HostMoves.watches() - base);

            // The host moves a under a new directory: the descent that learns a's path must watch b.
            WatchGiverSteps.hostMovesAUnderB(tmp);
            WatchGiverSteps.descentLearnsBAndWatchesIt(other, a);
            int kept = Math.min(HostMoves.watchedBy(first), HostMoves.watchedBy(second));
            // ROOM / 2 alone; less where a VM an earlier test left in this JVM still watches (its part as well).
            int part = HostMoves.fairPart();
            assertTrue(kept >= part, "a share of the holder kept " + kept + " watches, below its part " + part);
        }
    }
}

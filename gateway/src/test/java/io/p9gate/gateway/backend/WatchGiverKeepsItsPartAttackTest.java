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
 * Every watch of the gateway is held ({@link HostMoves}), most by one VM over its fair part, and another VM's descent
 * needs one more. Room is taken from the VM over its part, but only what it holds beyond its part: taking its largest
 * share's watches wholesale left that VM with none, far below its part, for one watch of another VM's.
 */
class WatchGiverKeepsItsPartAttackTest {
    /** The gateway's watches here: two VMs watching, a fair part of half of them each. */
    private static final int ROOM = 200;

    @TempDir
    Path tmp;

    private ShareRoot held;
    private ShareRoot other;
    private int limitBefore;

    @BeforeEach
    void setUp() throws Exception {
        for (int i = 0; i < ROOM - 3; i++) {
            Files.createDirectories(tmp.resolve("held/d" + i));
        }
        Files.createDirectories(tmp.resolve("other/a"));
        held = ShareRoot.open(tmp.resolve("held"), new QidMapper());
        held.watchMoves();
        other = ShareRoot.open(tmp.resolve("other"), new QidMapper());
        other.watchMoves();
        limitBefore = HostMoves.watchesAtMost(HostMoves.watchesCounted() + ROOM);
    }

    @AfterEach
    void tearDown() {
        HostMoves.watchesAtMost(limitBefore);
        held.close();
        other.close();
    }

    @Test
    void anotherVmsDescentTakesOnlyWhatTheGiverHoldsBeyondItsPart() throws Exception {
        Node a = WatchGiverSteps.descenderHoldsA(other);
        try (a) {
            WatchGiverSteps.holderWatchesEachDirectory(ROOM - 3, held);
            assertEquals(ROOM - 2, HostMoves.watchedBy(held));

            // The host moves a under a new directory: the descent that learns a's path must watch b.
            WatchGiverSteps.hostMovesAUnderB(tmp);
            long heldEpoch = held.renames().now();
            WatchGiverSteps.descentLearnsBAndWatchesIt(other, a);
            int kept = HostMoves.watchedBy(held);
            // ROOM / 2 alone; less where a VM an earlier test left in this JVM still watches (its part as well).
            int part = HostMoves.fairPart();
            assertTrue(kept >= part, "the holder's share kept " + kept + " watches, below its part " + part);
            assertTrue(held.renames().now() - heldEpoch <= 1, "the holder's share started over more than once");
        }
    }
}

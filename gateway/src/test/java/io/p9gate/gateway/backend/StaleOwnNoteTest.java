package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A note of the gateway's own change ({@link HostMoves#own}) made in a directory whose watch is removed before the
 * change queues its event: no event of that watch takes the note, which must go with the watch, or it would pass an
 * event of the next watch given that descriptor for the gateway's own.
 */
class StaleOwnNoteTest {
    @TempDir
    Path tmp;

    private ShareRoot observer;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("a/d"));
        Files.createDirectories(tmp.resolve("b"));
        observer = ShareRoot.open(tmp.resolve("b"), new QidMapper());
        observer.watchMoves();
        try (Node root = observer.root()) {
            // Its root watched by the same VM's instance, which stays open when the other share closes.
            assertThrows(P9Exception.class, () -> observer.lookup(root, "x").close());
        }
    }

    @AfterEach
    void tearDown() {
        observer.close();
    }

    @Test
    void aNoteGoesWithItsWatch() throws Exception {
        int wd;
        try (ShareRoot share = ShareRoot.open(tmp.resolve("a"), new QidMapper())) {
            share.watchMoves();
            try (Node root = share.root()) {
                share.lookup(root, "d").close(); // a name looked up in the root: the root is watched
                wd = HostMoves.watchOf(root);
                assertNotEquals(-1, wd, "the root is watched");
                HostMoves.own(root, "x", HostMoves.IN_DELETE, () -> {}); // its event never queued
            }
        } // closed: its watch removed
        ShareRoot.awaitHostMovesSeen();

        long before = observer.renames().now();
        HostMoves.handleEvent(wd, HostMoves.IN_DELETE, "x"); // as from a watch given the descriptor again
        assertNotEquals(before, observer.renames().now(), "an unlink on a reused descriptor passed for the gateway's");
    }
}

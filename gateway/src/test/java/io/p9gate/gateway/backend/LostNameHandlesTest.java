package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which open handles hold a name their file lost, asked of the kernel whoever removed the name (here the host): a
 * file with two names, "a" and "b", loses "a". A handle opened through "a" holds the lost name, one opened through
 * "b" (or through a live name that merely ends as the kernel marks removed ones) does not; an open through "a"
 * still under way when a rename between quota scopes looked is refused once its handle is made.
 */
class LostNameHandlesTest {
    private static final int O_PATH = LinuxSyscalls.O_PATH;

    @TempDir
    Path dir;

    private ShareRoot share;
    private Node root;
    private FileKey file;

    @BeforeEach
    void twoNames() throws Exception {
        Files.createFile(dir.resolve("a"));
        Files.createLink(dir.resolve("b"), dir.resolve("a"));
        share = ShareRoot.open(dir, new QidMapper());
        root = share.root();
        try (Node b = share.lookup(root, "b")) {
            file = b.key();
        }
    }

    @AfterEach
    void close() {
        root.close();
        share.close();
    }

    @Test
    void aHandleOpenedThroughTheRemovedNameHoldsIt() throws Exception {
        try (Node _ = share.lookup(root, "a");
                Node _ = share.lookup(root, "b")) {
            assertFalse(OpenInodes.heldThroughLostName(file), "both names are there");
            Files.delete(dir.resolve("a"));
            assertTrue(OpenInodes.heldThroughLostName(file));
        }
        assertFalse(OpenInodes.heldThroughLostName(file), "no handle is open");
        try (Node _ = share.lookup(root, "b")) {
            assertFalse(OpenInodes.heldThroughLostName(file), "a handle through the name left");
        }
    }

    /**
     * The name left renamed to read as the removed one ("a (deleted)", same scopes): the kernel then names the handle
     * and the live entry alike, so the look cannot tell them apart and counts the handle as holding a lost name.
     */
    @Test
    void theNameLeftRenamedToReadAsTheRemovedOneDoesNotHideIt() throws Exception {
        try (Node _ = share.lookup(root, "a")) {
            Files.delete(dir.resolve("a"));
            Files.move(dir.resolve("b"), dir.resolve("a (deleted)"));
            assertTrue(OpenInodes.heldThroughLostName(file));
        }
    }

    @Test
    void anOpenThroughTheNameUnderWayWhenARenameLookedIsRefused() throws Exception {
        P9Exception refused = assertThrows(
                P9Exception.class,
                () -> ConfinedOpens.openNamed(() -> {
                    int fd = root.use(rfd -> ConfinedOpens.openBeneath(rfd, "a", O_PATH, 0));
                    deleteOnHost("a");
                    // A rename between scopes looks now: this handle is not known to it yet.
                    assertFalse(OpenInodes.heldThroughLostName(file));
                    return fd;
                }));
        assertEquals(Errno.ENOENT, refused.errno());
        assertFalse(OpenInodes.heldThroughLostName(file), "the refused open's handle is closed");
    }

    @Test
    void anOpenUnderWayThroughALiveNameIsNotRefused() throws Exception {
        Files.move(dir.resolve("a"), dir.resolve("a (deleted)"));
        try (Node live = ConfinedOpens.openNamed(() -> {
                    int fd = root.use(rfd -> ConfinedOpens.openBeneath(rfd, "a (deleted)", O_PATH, 0));
                    OpenInodes.heldThroughLostName(file);
                    return fd;
                })
                .node()) {
            assertEquals(file, live.key());
        }
    }

    private void deleteOnHost(String name) {
        try {
            Files.delete(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

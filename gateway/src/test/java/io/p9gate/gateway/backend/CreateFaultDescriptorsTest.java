package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fault in a Tlcreate after its open made the file, before the file's handle is made: the descriptor the open
 * returned is closed all the same. Before, it stayed open for the life of the gateway, one per such create, uncharged
 * to the VM's descriptor budget once the create failed.
 */
class CreateFaultDescriptorsTest {
    private static final int O_RDWR = 2;
    private static final int CREATES = 10;

    @TempDir
    Path shareDir;

    ShareRoot share;

    @BeforeEach
    void openShare() throws Exception {
        share = ShareRoot.open(shareDir, new QidMapper());
    }

    @AfterEach
    void tearDown() {
        FileIo.whileCreating(null);
        share.close();
    }

    /** A fault in the open's own window (the test seam stands for any fault there). */
    @Test
    void aFaultAfterTheOpenLeavesNoDescriptorOpen() throws Exception {
        FileIo.whileCreating(() -> {
            throw new IllegalStateException("a fault in the create");
        });

        long before = descriptorsIn(shareDir);
        for (int i = 0; i < CREATES; i++) {
            P9Exception failed = failedCreate("f" + i);
            assertInstanceOf(MadeFileNotTakenBack.class, failed);
            assertEquals(Errno.EIO, failed.errno());
        }

        assertEquals(before, descriptorsIn(shareDir), "descriptors left open in the share");
        assertTrue(Files.exists(shareDir.resolve("f0")), "the file made lives on");
    }

    /**
     * A fault when the open is done and runs the actions that waited for it (here: a freed inode's action that
     * fails): the handle just made is closed.
     */
    @Test
    void aFaultWhenTheOpenIsDoneLeavesNoDescriptorOpen() throws Exception {
        Files.createFile(shareDir.resolve("other"));
        FileKey other;
        try (Node root = share.root();
                Node node = share.lookup(root, "other")) {
            other = node.key();
        }
        FileIo.whileCreating(() -> OpenInodes.whenFreed(other, () -> {
            throw new IllegalStateException("a fault in an action waiting for the open");
        }));

        long before = descriptorsIn(shareDir);
        for (int i = 0; i < CREATES; i++) {
            failedCreate("f" + i);
        }

        assertEquals(before, descriptorsIn(shareDir), "descriptors left open in the share");
    }

    private P9Exception failedCreate(String name) throws P9Exception {
        FileIo io = new FileIo(share);
        try (Node root = share.root()) {
            return assertThrows(P9Exception.class, () -> io.create(root, name, O_RDWR, 0644, true, (node, stat) -> {}));
        }
    }

    /** This process's open descriptors on files in {@code dir} (/proc/self/fd), the share's own root's included. */
    private static long descriptorsIn(Path dir) throws IOException {
        String prefix = dir.toRealPath() + "/";
        long count = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if ((Files.readSymbolicLink(fd) + "/").startsWith(prefix)) {
                        count++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return count;
    }
}

package io.p9gate.gateway.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The confinement core of the backend on a real directory (R-CONF-1, R-PROTO-5). */
class ShareRootTest {
    @TempDir
    Path tmp;

    Path shareDir;
    ShareRoot share;

    @BeforeEach
    void setUp() throws Exception {
        shareDir = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(shareDir.resolve("a/b"));
        Files.writeString(shareDir.resolve("a/b/f.txt"), "hello");
        Files.writeString(tmp.resolve("secret"), "outside");
        share = ShareRoot.open(shareDir, new QidMapper());
    }

    @AfterEach
    void tearDown() {
        share.close();
    }

    private Node walk(String... names) throws P9Exception {
        Node n = share.root();
        for (String name : names) {
            Node next = share.lookup(n, name);
            n.close();
            n = next;
        }
        return n;
    }

    @Test
    void lookupFindsFilesAndReportsTheirPath() throws Exception {
        try (Node f = walk("a", "b", "f.txt")) {
            assertEquals(FileType.REGULAR, f.type());
            assertEquals("a/b/f.txt", share.relativePath(f));
            assertEquals(5, Inodes.stat(f).size());
        }
    }

    @Test
    void dotDotAtRootStaysAtRoot() throws Exception {
        try (Node n = walk("..", "..", "..")) {
            assertTrue(share.isRoot(n));
        }
        try (Node n = walk("a", "b", "..", "..", "..", "..")) {
            assertTrue(share.isRoot(n));
        }
    }

    @Test
    void symlinksAreNeverFollowed() throws Exception {
        Files.createSymbolicLink(shareDir.resolve("abs"), Path.of("/etc"));
        Files.createSymbolicLink(shareDir.resolve("a/rel"), Path.of("../../.."));
        try (Node link = walk("abs")) {
            assertEquals(FileType.SYMLINK, link.type());
            assertEquals("/etc", Inodes.readlink(link));
            P9Exception e = assertThrows(P9Exception.class, () -> share.lookup(link, "passwd"));
            assertEquals(Errno.ENOTDIR, e.errno());
        }
        try (Node rel = walk("a", "rel")) {
            assertEquals("../../..", Inodes.readlink(rel));
        }
        P9Exception e = assertThrows(P9Exception.class, () -> walk("a", "rel", "secret"));
        assertEquals(Errno.ENOTDIR, e.errno());
    }

    @Test
    void badNamesAreRejected() throws Exception {
        try (Node root = share.root()) {
            for (String bad : new String[] {"", "a/b", "x\0y", "/etc"}) {
                assertEquals(
                        Errno.EINVAL,
                        assertThrows(P9Exception.class, () -> share.lookup(root, bad))
                                .errno());
            }
        }
    }

    @Test
    void handleFollowsHostRename() throws Exception {
        try (Node f = walk("a", "b", "f.txt")) {
            assertEquals("a/b/f.txt", share.relativePath(f));
            Files.move(shareDir.resolve("a"), shareDir.resolve("moved"));
            assertEquals("moved/b/f.txt", share.currentPath(f));
            FileIo io = new FileIo(share);
            try (OpenFile open = io.open(f, LinuxSyscalls.O_RDONLY)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(16);
                int n = io.read(open, 0, buf);
                byte[] got = new byte[n];
                buf.get(0, got);
                assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), got);
            }
            try (ShareRoot.Location at = share.locate(f, share.currentPath(f))) {
                assertEquals("f.txt", at.name());
                assertEquals("moved/b", share.relativePath(at.parent()));
            }
        }
    }

    /** A handle remembers the path it was looked up by until a rename through the gateway begins (issue 11). */
    @Test
    void aRememberedPathLastsUntilTheNextRename() throws Exception {
        try (Node f = walk("a", "b", "f.txt");
                Node root = share.root()) {
            Files.move(shareDir.resolve("a"), shareDir.resolve("moved"));
            assertEquals("a/b/f.txt", share.relativePath(f), "no system call: the host's rename is not seen");
            Files.createDirectories(shareDir.resolve("other"));
            new Entries(share).renameAt(root, "other", root, "other2", false);
            assertEquals("moved/b/f.txt", share.relativePath(f));
        }
    }

    @Test
    void dotDotFromADirectoryMovedOutsideIsRefused() throws Exception {
        try (Node b = walk("a", "b")) {
            Files.move(shareDir.resolve("a"), tmp.resolve("escaped"));
            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> share.currentPath(b)).errno());
            try (Node up = walk()) {
                assertTrue(share.isRoot(up));
            }
            P9Exception e = assertThrows(P9Exception.class, () -> share.lookup(b, ".."));
            assertEquals(Errno.EACCES, e.errno());
        }
    }

    @Test
    void qidPathsAreUniqueAndVersionsChange() throws Exception {
        Files.writeString(shareDir.resolve("g"), "x");
        QidMapper qids = share.qids();
        try (Node f = walk("a", "b", "f.txt");
                Node g = walk("g")) {
            assertNotEquals(
                    qids.qid(Inodes.stat(f)).path(), qids.qid(Inodes.stat(g)).path());
            int before = qids.qid(Inodes.stat(g)).version();
            Files.writeString(shareDir.resolve("g"), "longer content");
            assertNotEquals(before, qids.qid(Inodes.stat(g)).version());
        }
    }
}

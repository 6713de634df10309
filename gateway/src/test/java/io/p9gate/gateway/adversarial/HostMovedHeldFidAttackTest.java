package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.backend.HeldHostMoves;
import io.p9gate.gateway.backend.ShareRoot;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-4: VM beta (hidden {@code /vault}) holds an open fid and walked-only fids on {@code pub/f}; an administrator
 * then moves the file (or its directory) under {@code /vault} on the host itself, or links it there and removes its
 * public name. A move through the gateway makes beta's next request be decided where the file is now; a move on the
 * host advanced no counter, so a request that only uses the fid (Tread, Tgetattr, Tlopen, Txattrwalk) was decided on
 * the remembered {@code pub/f}: beta read what was then written into {@code vault/f}, opened a fid it had only walked
 * and read its xattrs. Now the host's move is seen (inotify) and those requests are refused as for a gateway's move.
 */
class HostMovedHeldFidAttackTest {
    private static final byte[] SECRET = "written in the vault".getBytes();

    @TempDir
    Path tmp;

    @Test
    void aFileTheHostMovesUnderAHiddenSubtreeIsNotReadThroughAHeldFid() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = withPublicFile(gw);
            try (P9Client beta = gw.attached("data", 0)) {
                holdFids(beta, "pub", "f");

                Files.move(share.resolve("pub/f"), share.resolve("vault/f"));
                Files.write(share.resolve("vault/f"), SECRET);
                ShareRoot.awaitHostMovesSeen();

                assertRefused(beta, Errno.ENOENT);
            }
            assertArrayEquals(SECRET, Files.readAllBytes(share.resolve("vault/f")));
        }
    }

    @Test
    void aDirectoryTheHostMovesUnderAHiddenSubtreeIsNotReadThroughAHeldFid() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("pub/d"));
            Files.createDirectories(share.resolve("vault"));
            Files.writeString(share.resolve("pub/d/f"), "public");
            try (P9Client beta = gw.attached("data", 0)) {
                holdFids(beta, "pub", "d", "f");

                Files.move(share.resolve("pub/d"), share.resolve("vault/d"));
                Files.write(share.resolve("vault/d/f"), SECRET);
                ShareRoot.awaitHostMovesSeen();

                assertRefused(beta, Errno.ENOENT);
            }
        }
    }

    /** {@code ln pub/f vault/f; rm pub/f} on the host: the kernel goes on naming the handle by the removed name. */
    @Test
    void aFileTheHostLinksUnderAHiddenSubtreeAndUnlinksIsNotReadThroughAHeldFid() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = withPublicFile(gw);
            try (P9Client beta = gw.attached("data", 0)) {
                holdFids(beta, "pub", "f");

                Files.createLink(share.resolve("vault/f"), share.resolve("pub/f"));
                Files.delete(share.resolve("pub/f"));
                Files.write(share.resolve("vault/f"), SECRET);
                ShareRoot.awaitHostMovesSeen();

                assertRefused(beta, Errno.ESTALE);
            }
        }
    }

    /**
     * Session 44: before the watcher handled the host's move, a read-only Tlopen of a walked fid was decided on the
     * remembered {@code pub/f} and opened the file now hidden. Every open asks the kernel, as a write's does.
     */
    @Test
    void anOpenBeforeTheHostsMoveIsHandledIsDecidedWhereTheFileIsNow() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = withPublicFile(gw);
            try (P9Client beta = gw.attached("data", 0)) {
                beta.walk(0, 1, "pub", "f");
                HeldHostMoves held = HeldHostMoves.hold(); // the host's event is read, not handled
                try {
                    Files.move(share.resolve("pub/f"), share.resolve("vault/f"));
                    Files.write(share.resolve("vault/f"), SECRET);

                    assertEquals(Errno.ENOENT, refused(() -> beta.lopen(1, 0)), "Tlopen O_RDONLY of a hidden file");
                } finally {
                    held.close();
                }
            }
        }
    }

    /**
     * The documented rule for a descriptor opened before a host's move (docs/policy.md; passes on main too): it goes
     * on until the move is handled, then reads and writes through it are decided where the file is: hidden, ENOENT;
     * read-only, EROFS.
     */
    @Test
    void aDescriptorOpenedBeforeTheHostsMoveIsDecidedWhereTheFileIsOnceTheMoveIsSeen() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]\nread-only: [/ro]", "data")) {
            Path share = withPublicFile(gw);
            Files.createDirectories(share.resolve("ro"));
            Files.writeString(share.resolve("pub/w"), "public");
            try (P9Client beta = gw.attached("data", 0)) {
                beta.walk(0, 1, "pub", "f");
                beta.lopen(1, 0);
                beta.walk(0, 2, "pub", "w");
                beta.lopen(2, 2);
                Files.move(share.resolve("pub/f"), share.resolve("vault/f"));
                Files.move(share.resolve("pub/w"), share.resolve("ro/w"));
                Files.write(share.resolve("vault/f"), SECRET);
                ShareRoot.awaitHostMovesSeen();

                assertEquals(Errno.ENOENT, refused(() -> beta.read(1, 0, 64)), "Tread of a now hidden file");
                assertEquals(Errno.EROFS, refused(() -> beta.write(2, 0, "w".getBytes())), "Twrite into /ro");
            }
            assertEquals("public", Files.readString(share.resolve("ro/w")));
        }
    }

    /** The share, with {@code pub/f} and an empty {@code vault}. */
    private static Path withPublicFile(HostShareGateway gw) throws Exception {
        Path share = gw.share("data");
        Files.createDirectories(share.resolve("pub"));
        Files.createDirectories(share.resolve("vault"));
        Files.writeString(share.resolve("pub/f"), "public");
        return share;
    }

    /** Fid 1 opened and read, fids 2 and 3 walked only, all on {@code path}. */
    private static void holdFids(P9Client beta, String... path) throws Exception {
        beta.walk(0, 1, path);
        beta.lopen(1, 0);
        beta.read(1, 0, 16);
        beta.walk(0, 2, path);
        beta.walk(0, 3, path);
    }

    private static void assertRefused(P9Client beta, Errno errno) {
        assertEquals(errno, refused(() -> beta.read(1, 0, 64)), "Tread of a hidden file");
        assertEquals(errno, refused(() -> beta.getattr(1, 0x7ff)), "Tgetattr of a hidden file");
        assertEquals(errno, refused(() -> beta.lopen(2, 0)), "Tlopen of a hidden file");
        assertEquals(
                errno,
                refused(() -> beta.rpc(new TMessage.Txattrwalk(3, 4, "user.note"))),
                "Txattrwalk of a hidden file");
    }

    private static Errno refused(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

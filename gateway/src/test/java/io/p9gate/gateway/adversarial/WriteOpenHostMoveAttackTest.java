package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-CONF-1, from the session-43 reading review): a request that changes the host is decided on the path the
 * kernel confirms, not the one the fid remembers, since a host's move out of the share tells no fid. A Tlopen for
 * writing or with O_TRUNC was decided on the remembered path: a guest holding a fid on {@code a/b/f} whose directory
 * the host then moved out of the share emptied the file there with O_TRUNC, or wrote into it after an O_WRONLY open,
 * while a Tsetattr of its size on the same fid was refused EACCES. Such opens are now refused alike, and since session
 * 44 an open for reading too (it read what the host wrote there; docs/policy.md says what a descriptor opened before
 * the move still does).
 */
class WriteOpenHostMoveAttackTest {
    private static final int O_WRONLY = 1;
    private static final int O_TRUNC = 01000;

    @TempDir
    Path tmp;

    @Test
    void anOpenThatTruncatesAFileTheHostMovedOutOfTheShareIsRefused() throws Exception {
        servedWithMoved((guest, moved) -> {
            assertEquals(Errno.EACCES, refused(() -> guest.lopen(1, O_WRONLY | O_TRUNC)), "Tlopen O_TRUNC");
            assertEquals("keep", Files.readString(moved), "the file outside the share was emptied");
        });
    }

    @Test
    void anOpenForWritingAFileTheHostMovedOutOfTheShareIsRefused() throws Exception {
        servedWithMoved((guest, moved) -> {
            assertEquals(Errno.EACCES, refused(() -> guest.lopen(1, O_WRONLY)), "Tlopen O_WRONLY");
            assertEquals("keep", Files.readString(moved));
        });
    }

    /**
     * Session 44: a read-only Tlopen was decided on the remembered path, and read what the host wrote into the file
     * outside the share. Refused, it tells the share its paths are stale: fid 2, opened before the move, reads no more.
     */
    @Test
    void anOpenForReadingAFileTheHostMovedOutOfTheShareIsRefused() throws Exception {
        servedWithMoved((guest, moved) -> {
            Files.writeString(moved, "written outside");
            assertEquals(Errno.EACCES, refused(() -> guest.lopen(1, 0)), "Tlopen O_RDONLY");
            assertEquals(Errno.EACCES, refused(() -> guest.read(2, 0, 64)), "Tread of a fid opened before");
        });
    }

    /** What the opens now answer alike: a Tsetattr of the same fid's size, decided on the kernel's path. */
    @Test
    void theSizeOfTheSameFidIsRefusedToo() throws Exception {
        servedWithMoved((guest, moved) -> {
            assertEquals(
                    Errno.EACCES,
                    refused(() -> guest.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0))),
                    "Tsetattr size");
            assertEquals("keep", Files.readString(moved));
        });
    }

    private interface Moved {
        void check(P9Client guest, Path moved) throws Exception;
    }

    /**
     * Fid 1 of {@code a/b/f} (holding "keep"), walked, and fid 2, opened for reading, whose {@code a} the host then
     * moved to {@code archive/a}.
     */
    private void servedWithMoved(Moved test) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("a/b"));
            Files.writeString(share.resolve("a/b/f"), "keep");
            Path archive = Files.createDirectories(tmp.resolve("archive"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "a", "b", "f");
                guest.walk(0, 2, "a", "b", "f");
                guest.lopen(2, 0);
                Files.move(share.resolve("a"), archive.resolve("a"));
                test.check(guest, archive.resolve("a/b/f"));
            }
        }
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

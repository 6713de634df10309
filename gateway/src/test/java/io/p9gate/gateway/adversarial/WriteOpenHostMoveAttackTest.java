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
 * while a Tsetattr of its size on the same fid was refused EACCES. Such opens are now refused alike.
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

    /** Fid 1 of {@code a/b/f} (holding "keep"), whose {@code a} the host then moved to {@code archive/a}. */
    private void servedWithMoved(Moved test) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("a/b"));
            Files.writeString(share.resolve("a/b/f"), "keep");
            Path archive = Files.createDirectories(tmp.resolve("archive"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "a", "b", "f");
                Files.move(share.resolve("a"), archive.resolve("a"));
                test.check(guest, archive.resolve("a/b/f"));
            }
        }
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-PROTO-3, a host rename): beta holds a fid on {@code sub/f}; the host (or alpha, whose share is wider)
 * moves {@code sub} out of beta's share. Beta's Tclunk of that fid freed the fid but was answered EACCES, though a
 * clunk always frees its fid (clunk(5)) and did nothing else here. It is answered Rclunk, and recorded as that
 * success on the name beta knew the file by; it was recorded as refused by {@code confinement} (EACCES).
 */
class HostMovedClunkAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aFidWhoseFileLeftTheShareIsClunked() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("b/sub"));
        Files.writeString(data.resolve("b/sub/f"), "beta's");
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data.resolve("b"), "")) {
            rig.beta.walk(0, 1, "sub", "f");
            rig.beta.walk(0, 2, "sub");
            rig.beta.lopen(2, 0);

            Files.move(data.resolve("b/sub"), data.resolve("sub"));
            // A listing asks the kernel where the directory is now: every remembered path is asked again.
            assertEquals(
                    Errno.EACCES,
                    assertThrows(P9Exception.class, () -> rig.beta.readdir(2, 0, 8192))
                            .errno());

            assertDoesNotThrow(() -> rig.beta.clunk(1), "the clunk of a file freed the fid");
            assertDoesNotThrow(() -> rig.beta.clunk(2), "the clunk of an open directory freed the fid");
            P9Exception again = assertThrows(P9Exception.class, () -> rig.beta.clunk(1));
            assertEquals(Errno.EBADF, again.errno(), "the fid is gone");
            List<String> clunks = rig.records.stream()
                    .filter(r -> r.message() == MessageType.TCLUNK
                            && r.request().vm().equals("beta"))
                    .map(r -> r.request().paths() + " " + r.decision().allowed() + " "
                            + r.outcome().errno())
                    .toList();
            assertEquals(
                    List.of("[sub/f] true null", "[sub] true null"),
                    clunks,
                    "each clunk recorded as the Rclunk beta got, on the name beta knew");
        }
    }
}

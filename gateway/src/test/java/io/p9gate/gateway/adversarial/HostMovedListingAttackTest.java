package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-POL-4, R-CONF-1, a host rename): beta lists {@code sub} through an open fid. The host moves {@code sub}
 * under beta's hidden {@code /vault}, or out of beta's share, and files are put in it later. A request that only
 * reads was decided on the path the fid remembered from its walk, {@code sub}, until some walk or change made the
 * gateway ask the kernel: beta's next Treaddir listed the names put in a directory no walk of beta's can reach now,
 * decided and recorded as {@code sub}. A listing is the one read through a held fid that shows what was put there
 * since, so it is decided on the kernel's path: hidden (ENOENT) or outside the share (EACCES).
 */
class HostMovedListingAttackTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "moved to {0}")
    @CsvSource({"b/vault/sub, ENOENT", "outside/sub, EACCES"})
    void aDirectoryTheHostMovedAwayIsNotListedThroughAnOldFid(String to, Errno expected) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("b/sub"));
        Files.createDirectories(data.resolve("b/vault"));
        Files.createDirectories(data.resolve("outside"));
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data.resolve("b"), "hidden: [/vault]")) {
            rig.beta.walk(0, 1, "sub");
            rig.beta.lopen(1, 0);
            assertEquals(2, rig.beta.readdir(1, 0, 8192).size(), ". and ..");

            Files.move(data.resolve("b/sub"), data.resolve(to));
            Files.writeString(data.resolve(to).resolve("later"), "not for beta");

            P9Exception listed = assertThrows(
                    P9Exception.class, () -> rig.beta.readdir(1, 0, 8192), "beta listed the moved directory");
            assertEquals(expected, listed.errno());
        }
    }
}

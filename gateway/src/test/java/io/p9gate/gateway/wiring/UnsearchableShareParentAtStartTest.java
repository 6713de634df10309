package io.p9gate.gateway.wiring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.HostCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory holding a nested share ({@code /srv/a/vms} above {@code /srv/a/vms/b}, docs/policy.md) was made 000
 * on the host since the last start (a guest's chmod keeps the gateway's search bit:
 * adversarial.GuestChmodAboveNestedShareTest); an unprivileged gateway (here: the test's thread acting as nobody,
 * whose file system capabilities go with the uid) cannot open the nested share. The start is refused, all shares
 * with it (fail closed: a share left unopened is not guarded against the outer guest moving its directory away and
 * making its own at the path, served at the next start), with one line that names the share and the directory the
 * gateway may not search, and what to do. Before, the line ended in "Permission denied" alone.
 */
class UnsearchableShareParentAtStartTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    @Test
    void theStartNamesTheShareAndTheDirectoryTheGatewayMayNotSearch() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path outer = Files.createDirectory(tmp.resolve("a"));
        Path vms = Files.createDirectory(outer.resolve("vms"));
        Path nested = Files.createDirectory(vms.resolve("b"));
        Files.setPosixFilePermissions(outer, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(nested, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(vms, PosixFilePermissions.fromString("---------")); // the guest's chmod 000
        Map<String, Path> shares = new LinkedHashMap<>();
        shares.put("a", outer);
        shares.put("b", nested);
        try {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> {
                try {
                    HostCredentials.actingAs(NOBODY, NOBODY, () -> new ShareServerFactory(shares));
                } catch (io.p9gate.gateway.proto.P9Exception e) {
                    assumeTrue(false, "cannot act as nobody here: " + e.getMessage());
                }
            });
            String line = refused.getMessage();
            assertTrue(line.contains("share 'b' (" + nested + ")"), line);
            assertTrue(line.contains("the gateway may not search " + vms + " "), line);
            assertTrue(line.contains("search permission"), line);
            assertFalse(line.contains("\n"), "one line: " + line);
        } finally {
            Files.setPosixFilePermissions(vms, PosixFilePermissions.fromString("rwx------"));
        }
    }
}

package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.model.ListenerSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Values inside the policy: quota sizes, listener specs, subtree paths. */
class PolicyValuesTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"512, 512", "4KiB, 4096", "64MiB, 67108864", "2GiB, 2147483648", "1TiB, 1099511627776"})
    void quotaSizesAcceptBinarySuffixes(String text, long bytes) throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(
                dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\nquotas: [{bytes: " + text + "}]\n")));
        assertEquals(bytes, e.quotas("vm1").getFirst().maxBytes());
        assertEquals(
                Math.max(1, bytes / 4096),
                e.quotas("vm1").getFirst().maxInodes(),
                "inodes left out: one per 4 KiB of bytes, so directories and symlinks cannot fill the disk uncounted");
    }

    @Test
    void inodesSetOrBytesLeftOutKeepTheirOwnLimit() throws Exception {
        PolicyEngine e = PolicyEngine.load(PolicyFiles.write(
                dir,
                "p.yaml",
                PolicyFiles.oneShare("path: /srv/p9gate/data\n"
                        + "quotas: [{path: /a, bytes: 1MiB, inodes: 1000000}, {path: /b, inodes: 7}]\n")));
        assertEquals(1_000_000, e.quotas("vm1").get(0).maxInodes(), "an inodes limit given is kept");
        assertEquals(Long.MAX_VALUE, e.quotas("vm1").get(1).maxBytes());
        assertEquals(7, e.quotas("vm1").get(1).maxInodes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"4KB", "-1", "9999999999TiB", "lots"})
    void badQuotaSizesAreRefused(String text) throws Exception {
        Path p = PolicyFiles.write(
                dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\nquotas: [{bytes: \"" + text + "\"}]\n"));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p));
        assertEquals(11, e.pos().line(), e.getMessage());
    }

    @Test
    void listenerSpecs() {
        assertEquals(new ListenerSpec.UnixSocket(Path.of("/run/a.sock")), ListenerSpec.parse("unix:/run/a.sock"));
        assertEquals(new ListenerSpec.Vsock(42), ListenerSpec.parse("vsock:42"));
        assertEquals("vsock:42", ListenerSpec.parse("vsock:42").describe());
        for (String bad : new String[] {
            "unix:relative.sock", "vsock:2", "vsock:x", "tcp:1.2.3.4", "vsock:4294967295", "udp:1.2.3.4:5"
        }) {
            assertThrows(IllegalArgumentException.class, () -> ListenerSpec.parse(bad), bad);
        }
    }

    @Test
    void subtreesMustBePlainNormalisedPaths() throws Exception {
        for (String bad : new String[] {"/a/*", "a", "/a/../b", "/a/"}) {
            Path p = PolicyFiles.write(
                    dir, "p.yaml", PolicyFiles.oneShare("path: /srv/p9gate/data\nhidden: [\"" + bad + "\"]\n"));
            PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyEngine.load(p), bad);
            assertTrue(e.reason().startsWith("hidden"), e.reason());
        }
    }
}

package io.p9gate.policy.load;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.model.PolicyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-POL-9 compares every share with every piece of gateway state, a socket per VM among them: a generated policy
 * of many VMs. Before, each comparison asked the host again for the real paths, mounts and inodes of both sides,
 * in 'policy check', 'serve' and each reload: 1,500 VMs took over a minute here (3,000 most of an hour); now
 * about 2 s.
 */
class ManyVmsValidationTest {
    private static final int VMS = 1500;

    @TempDir
    Path dir;

    private Path policy(String extraState) throws Exception {
        Path share = Files.createDirectories(dir.resolve("srv"));
        StringBuilder yaml = new StringBuilder("image: many\n" + extraState + "vms:\n");
        for (int i = 0; i < VMS; i++) {
            yaml.append("  vm")
                    .append(i)
                    .append(":\n    listen: unix:")
                    .append(dir.resolve("run").resolve("vm" + i + ".sock"))
                    .append("\n    shares:\n      s: {path: ")
                    .append(share.resolve("vm" + i))
                    .append(", access: read-only}\n");
        }
        return Files.writeString(dir.resolve("many.yaml"), yaml);
    }

    @Test
    void fifteenHundredVmsAreCheckedInSeconds() throws Exception {
        PolicyFile policy = PolicyParser.parse(policy(""));
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> PolicyValidator.validate(policy));
    }

    /** The remembered answers still find a share that reaches state, here the last VM's share holding the keys. */
    @Test
    void aShareReachingStateAmongThemIsStillRefused() throws Exception {
        Path keys = Files.createDirectories(
                dir.resolve("srv").resolve("vm" + (VMS - 1)).resolve("keys"));
        PolicyFile policy = PolicyParser.parse(policy("protect: {keys: " + keys + "}\n"));
        PolicyLoadException e = assertThrows(
                PolicyLoadException.class,
                () -> assertTimeoutPreemptively(Duration.ofSeconds(60), () -> PolicyValidator.validate(policy)));
        assertTrue(
                e.getMessage().contains("VM 'vm" + (VMS - 1) + "'")
                        && e.getMessage().contains("R-POL-9"),
                e.getMessage());
    }
}

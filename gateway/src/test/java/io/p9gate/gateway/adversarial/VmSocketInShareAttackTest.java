package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-DEP-1, R-ROB-2, R-POL-9: a VM's Unix socket is what makes a connection that VM. Inside another VM's writable
 * share, that VM's guest could unlink or rename it (B can no longer connect until a restart) or leave a file or
 * symlink in its place for the next start; the metrics socket was already refused there, the VMs' own were not.
 */
class VmSocketInShareAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aVmsSocketInsideAnotherVmsShareIsRefusedAtLoad() throws Exception {
        Path shareA = Files.createDirectories(tmp.resolve("share-a"));
        Path shareB = Files.createDirectories(tmp.resolve("share-b"));
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: test
                vms:
                  a:
                    listen: unix:%s
                    shares: {a: {path: %s}}
                  b:
                    listen: unix:%s
                    shares: {b: {path: %s}}
                """.formatted(tmp.resolve("a.sock"), shareA, shareA.resolve("run/b.sock"), shareB));
        PolicyLoadException e = assertThrows(PolicyLoadException.class, () -> PolicyHolder.load(policy));
        assertTrue(e.getMessage().contains("socket of VM 'b'"), e.getMessage());
        assertTrue(e.getMessage().contains("share 'a' of VM 'a'"), e.getMessage());
        assertTrue(e.getMessage().contains("R-POL-9"), e.getMessage());
    }
}

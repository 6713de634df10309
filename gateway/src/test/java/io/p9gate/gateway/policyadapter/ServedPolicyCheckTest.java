package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.HostProcess;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.load.PolicyLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code permissions: enforce} is refused at start (and reload) where this gateway could not enforce it, saying why. */
class ServedPolicyCheckTest {
    @TempDir
    Path tmp;

    private Path policy(String permissions) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        return Files.writeString(tmp.resolve("policy.yaml"), """
                image: t
                vms:
                  vm:
                    listen: unix:%s
                    shares:
                      data: {path: %s, access: read-write, permissions: %s}
                    ids:
                      uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 100000, count: 65536}]}
                """.formatted(tmp.resolve("vm.sock"), share, permissions));
    }

    @Test
    void enforceNeedsOwnershipOnTheHostInodes() throws Exception {
        PolicyLoadException e = assertThrows(
                PolicyLoadException.class,
                () -> PolicyHolder.load(
                        policy("enforce"),
                        new ServedPolicyCheck(List.of(), OwnershipMode.XATTR, process(Optional.empty()))));
        assertEquals(6, e.pos().line());
        assertTrue(
                e.reason().contains("share 'data' of VM 'vm': permissions: enforce")
                        && e.reason().contains("use --ownership chown"),
                e.reason());
    }

    @Test
    void enforceNeedsTheCapabilitiesToActAsEachUser() throws Exception {
        PolicyLoadException e = assertThrows(
                PolicyLoadException.class,
                () -> PolicyHolder.load(
                        policy("enforce"),
                        new ServedPolicyCheck(
                                List.of(), OwnershipMode.CHOWN, process(Optional.of("the gateway lacks CAP_SETUID")))));
        assertTrue(e.reason().endsWith("cannot be enforced: the gateway lacks CAP_SETUID"), e.reason());
    }

    @Test
    void theDefaultNeedsNeither() throws Exception {
        // The owner of the host inodes and the capabilities that enforce would need, both missing: the default loads.
        assertDoesNotThrow(() -> PolicyHolder.load(
                policy("guest"),
                new ServedPolicyCheck(List.of(), OwnershipMode.XATTR, process(Optional.of("no capabilities at all")))));
    }

    /** A root process that can, or cannot ({@code why}), act on the host as each guest user. */
    private static HostProcess process(Optional<String> why) {
        return new HostProcess() {
            @Override
            public boolean runsAsRoot() {
                return true;
            }

            @Override
            public Optional<String> whyItCannotActAsGuests() {
                return why;
            }
        };
    }
}

package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-CONF-1, "not through /proc magic links"): a share that is a root filesystem also used as
 * a chroot has {@code proc} (and {@code sys}) mounted inside it. The gateway walked into them like any directory:
 * a guest read {@code proc/sys/kernel/hostname}, could write {@code proc/sys/kernel/core_pattern} (a host
 * command run as root on the next crash) or {@code proc/sysrq-trigger}, and reach {@code proc/<pid>/mem} of the
 * gateway itself. Kernel pseudo filesystems (proc, sys, debugfs, tracefs, securityfs, cgroup, bpf, ...) are the
 * host kernel, not files: a walk never enters one (EACCES, recorded), and none can be a share.
 */
class PseudoFilesystemAttackTest {
    private static final int O_RDONLY = 0;

    @TempDir
    Path tmp;

    @Test
    void aWalkNeverEntersAProcMountedInsideTheShare() throws Exception {
        assumeRoot("mounting proc");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "rootfs")) {
            Path proc = Files.createDirectories(gw.share("rootfs").resolve("proc"));
            assumeTrue(run("mount", "-t", "proc", "proc", proc.toString()), "mount -t proc");
            try (P9Client guest = gw.attached("rootfs", 0)) {
                assertEquals(
                        Errno.EACCES,
                        assertThrows(P9Exception.class, () -> guest.walk(0, 1, "proc", "sys", "kernel", "hostname"))
                                .errno());
                assertEquals(
                        Errno.EACCES,
                        assertThrows(P9Exception.class, () -> guest.walk(0, 1, "proc"))
                                .errno());
                AuditEntry walk = gw.records.stream()
                        .filter(r -> r.request().operation() == Operation.WALK)
                        .toList()
                        .getLast();
                assertEquals(Errno.EACCES, walk.outcome().errno(), "recorded: " + walk);

                // The mount point's name is still listed (it is an entry of the share): only entering it is refused.
                guest.walk(0, 2);
                guest.lopen(2, O_RDONLY);
                assertTrue(guest.readdir(2, 0, 8192).stream()
                        .map(DirEntry::name)
                        .toList()
                        .contains("proc"));
            } finally {
                run("umount", "-l", proc.toString());
            }
        }
    }

    @Test
    void aShareThatIsAPseudoFilesystemIsRefused() {
        assumeTrue(Files.isDirectory(Path.of("/proc/sys")), "procfs at /proc");
        List<HostShareGateway.Share> procShare = List.of(new HostShareGateway.Share("knobs", Path.of("/proc/sys"), ""));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> HostShareGateway.serving(tmp, procShare).close());
        assertTrue(
                e.getMessage()
                        .endsWith("share 'knobs' (/proc/sys): a kernel pseudo filesystem (proc, sysfs, ...), "
                                + "not files"),
                e.getMessage());
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).inheritIO().start().waitFor() == 0;
    }
}

package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.testing.Root.assumeRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 item 1 (R-CONF-2, CVE-2023-2861's family): a guest can no longer make a device node, but a
 * share may hold real ones the host put there (a root filesystem exported to its VM has {@code /dev}). Tsetattr
 * changed their mode and owner on the host: {@code chmod 0666} of a root-only {@code c 1 7} made the host's device
 * usable by every host user, and a chown handed it to the guest's mapped host uid. The guest never opens a device
 * through the gateway, so it needs neither: the owner and mode of a host device node stay the host's (EPERM,
 * recorded); its times, and everything about fifos, sockets and mapped devices, still change as asked.
 */
class HostDeviceNodePermissionsAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aGuestCannotOpenUpAHostDeviceNode() throws Exception {
        assumeRoot("making a device node");
        Path share = Files.createDirectories(tmp.resolve("shares/rootfs"));
        Path full = share.resolve("full");
        Process mknod = new ProcessBuilder("mknod", "-m", "0600", full.toString(), "c", "1", "7")
                .inheritIO()
                .start();
        assumeTrue(mknod.waitFor() == 0, "mknod c 1 7 on the host");

        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "rootfs");
                P9Client guest = gw.attached("rootfs", 0)) {
            guest.walk(0, 1, "full");
            assertEquals(Errno.EPERM, errno(guest, new SetAttr(SetAttr.SETATTR_MODE, 0666, 0, 0, 0, 0, 0, 0, 0)));
            assertEquals(
                    Errno.EPERM,
                    errno(guest, new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_GID, 0, 0, 0, 0, 0, 0, 0, 0)));
            guest.setattr(1, new SetAttr(SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET, 0, 0, 0, 0, 0, 0, 1234, 0));

            List<AuditEntry> failed = gw.records.stream()
                    .filter(r -> r.request().operation() == Operation.SETATTR
                            && r.outcome().errno() == Errno.EPERM)
                    .toList();
            assertEquals(2, failed.size(), "each refusal has its record: " + failed);
        }
        assertEquals(0600, (int) Files.getAttribute(full, "unix:mode") & 07777, "mode kept");
        assertEquals(0, Files.getAttribute(full, "unix:uid"), "owner kept");
        assertEquals(0, Files.getAttribute(full, "unix:gid"), "group kept");
        assertEquals(1234, Files.getLastModifiedTime(full).toMillis() / 1000, "times are the guest's to set");
    }

    private static Errno errno(P9Client guest, SetAttr attr) {
        return assertThrows(P9Exception.class, () -> guest.setattr(1, attr)).errno();
    }
}

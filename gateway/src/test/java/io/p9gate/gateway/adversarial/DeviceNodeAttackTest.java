package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.HostXattrs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 1 (R-CONF-2): a guest plants host device nodes with Tmknod. {@code Tmknod(dir, "rng",
 * S_IFCHR|0666, 10, 183)} used to create a real character device in the host folder, which any host process
 * reading the share would then read as the host's device (a block node of the host disk likewise). Now a device
 * node is refused (EPERM, audited) unless the share says {@code devices: mapped}, which stores an inert
 * regular file and shows the guest a device; fifos and sockets stay real nodes.
 */
class DeviceNodeAttackTest {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFIFO = 0010000;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void deviceNodesAreRefusedByDefaultAndNeverReachTheHost() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            assertEquals(Errno.EPERM, refused(guest, new TMessage.Tmknod(0, "rng", S_IFCHR | 0666, 10, 183, 0)));
            assertEquals(Errno.EPERM, refused(guest, new TMessage.Tmknod(0, "disk", S_IFBLK | 0660, 8, 0, 0)));
            assertFalse(Files.exists(gw.share("data").resolve("rng"), LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(gw.share("data").resolve("disk"), LinkOption.NOFOLLOW_LINKS));

            List<AuditEntry> denials = gw.records.stream()
                    .filter(e -> e.request().operation() == Operation.MKNOD)
                    .toList();
            assertEquals(2, denials.size(), "each refusal is recorded once: " + denials);
            for (AuditEntry denial : denials) {
                assertFalse(denial.decision().allowed());
                assertEquals(Errno.EPERM, denial.decision().errno());
                assertEquals(
                        List.of("vm.guest.share.data.devices"),
                        denial.decision().ruleIds());
            }

            assertFifosStayReal(gw, guest);
        }
    }

    @Test
    void aMappedShareStoresAnInertFileThatTheGuestSeesAsTheDevice() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "devices: mapped", "data");
                P9Client guest = gw.attached("data", 0)) {
            guest.rpc(new TMessage.Tmknod(0, "rng", S_IFCHR | 0666, 10, 183, 0));
            guest.rpc(new TMessage.Tmknod(0, "disk", S_IFBLK | 0660, 8, 1, 0));

            Path rng = gw.share("data").resolve("rng");
            assertEquals(S_IFREG | 0600, hostMode(rng), "an empty regular file only its owner can touch");
            assertEquals(0, Files.size(rng));

            guest.walk(0, 1, "rng");
            Attr attr = guest.getattr(1, Attr.GETATTR_ALL);
            assertEquals(S_IFCHR | 0666, attr.mode());
            assertEquals(FileStat.makedev(10, 183), attr.rdev());
            guest.walk(0, 2, "disk");
            Attr disk = guest.getattr(2, Attr.GETATTR_ALL);
            assertEquals(S_IFBLK | 0660, disk.mode());
            assertEquals(FileStat.makedev(8, 1), disk.rdev());

            // The Linux client opens device nodes itself; a 9P open of one is refused like a real device's.
            assertEquals(Errno.ENXIO, refused(guest, new TMessage.Tlopen(1, O_RDONLY)));
            assertEquals(Errno.ENXIO, refused(guest, new TMessage.Tlopen(2, O_RDWR)));
            assertEquals(
                    Errno.ENXIO,
                    refused(guest, new TMessage.Tlcreate(0, "rng", O_RDWR, 0644, 0)),
                    "a create without O_EXCL of the existing name must not open it either");

            // chmod changes what the guest sees, never the host file's mode.
            guest.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0640, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(S_IFCHR | 0640, guest.getattr(1, Attr.GETATTR_ALL).mode());
            assertEquals(S_IFREG | 0600, hostMode(rng));

            assertFifosAreMappedToo(gw, guest);
        }
    }

    @Test
    void aGuestCannotForgeOrStripTheMapping() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "devices: mapped", "data");
                P9Client guest = gw.attached("data", 0)) {
            guest.walk(0, 1);
            guest.lcreate(1, "plain", O_RDWR, 0600, 0);
            guest.clunk(1);
            guest.rpc(new TMessage.Tmknod(0, "rng", S_IFCHR | 0666, 10, 183, 0));

            for (String name : new String[] {"plain", "rng"}) {
                guest.walk(0, 5, name);
                assertEquals(Errno.ENODATA, refused(guest, new TMessage.Txattrwalk(5, 6, "user.p9gate.device")));
                assertEquals(
                        Errno.EPERM,
                        refused(guest, new TMessage.Txattrcreate(5, "user.p9gate.device", 12, 0)),
                        "setting the mapping of " + name);
                assertEquals(
                        Errno.EPERM,
                        refused(guest, new TMessage.Txattrcreate(5, "user.p9gate.device", 0, 0)),
                        "removing the mapping of " + name);
                guest.clunk(5);
            }
            guest.walk(0, 5, "rng");
            guest.rpc(new TMessage.Txattrwalk(5, 8, ""));
            String names = new String(guest.read(8, 0, 4096), StandardCharsets.UTF_8);
            assertFalse(names.contains("p9gate"), "listed: " + names);
            guest.walk(0, 7, "rng");
            assertEquals(S_IFCHR | 0666, guest.getattr(7, Attr.GETATTR_ALL).mode(), "the mapping is intact");

            guest.walk(0, 9, "plain");
            assertEquals(S_IFREG | 0600, guest.getattr(9, Attr.GETATTR_ALL).mode(), "a plain file stays plain");
            assertTrue(HostXattrs.get(gw.share("data").resolve("plain"), "user.p9gate.device")
                    .isEmpty());
        }
    }

    /** Without mapping a guest still gets its fifos, real nodes the host never opens. */
    private static void assertFifosStayReal(HostShareGateway gw, P9Client guest) throws Exception {
        guest.rpc(new TMessage.Tmknod(0, "pipe", S_IFIFO | 0644, 0, 0, 0));
        assertEquals(S_IFIFO, hostMode(gw.share("data").resolve("pipe")) & S_IFMT);
    }

    /**
     * A mapped share maps fifos too: a host reader (a backup, an indexer) that opened a real fifo a guest planted
     * would block for good; the guest's kernel makes its own pipe for the inode it sees.
     */
    private static void assertFifosAreMappedToo(HostShareGateway gw, P9Client guest) throws Exception {
        guest.rpc(new TMessage.Tmknod(0, "pipe", S_IFIFO | 0644, 0, 0, 0));
        assertEquals(S_IFREG | 0600, hostMode(gw.share("data").resolve("pipe")));
        guest.walk(0, 3, "pipe");
        assertEquals(S_IFIFO | 0644, guest.getattr(3, Attr.GETATTR_ALL).mode());
    }

    private static Errno refused(P9Client guest, TMessage request) {
        return assertThrows(P9Exception.class, () -> guest.rpc(request), request.toString())
                .errno();
    }

    private static int hostMode(Path file) throws Exception {
        return (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}

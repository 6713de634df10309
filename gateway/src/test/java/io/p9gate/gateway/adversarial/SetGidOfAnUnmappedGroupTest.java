package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.HostSetIdWriteAttackTest.CAN_CHOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Set-gid without group-execute on a file whose host group the VM's map does not name, changed by the file's owner:
 * Linux drops it (setattr_should_drop_sgid: the writer is neither in the group nor capable over an inode whose group
 * its namespace cannot name; checked on this host's tmpfs: a user namespace's root truncating a 0:2000 02746 file
 * leaves 0746, an owner outside the group 0746). No guest process can be in a group its VM's map does not name.
 */
class SetGidOfAnUnmappedGroupTest {
    private static final int O_WRONLY = 1;
    private static final int UNMAPPED_GID = 5000;
    private static final byte[] BYTES = "guest bytes".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    /** Before: the host inode was 0746 after the change and the guest was still shown 02746. */
    @ParameterizedTest
    @CsvSource({"0,truncate", "0,write", "1000,truncate", "1000,write"})
    void theOwnersChangeDropsSetGidOfAGroupOutsideTheMap(int owner, String change) throws Exception {
        assumeTrue(CAN_CHOWN, "the file's owner is a mapped id and its group an unmapped one");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path file = Files.write(gw.share("data").resolve("locked"), BYTES);
            Files.setAttribute(file, "unix:uid", HostShareGateway.HOST_ID_BASE + owner);
            Files.setAttribute(file, "unix:gid", UNMAPPED_GID);
            HostChmod.chmod(file, 02746);
            try (P9Client guest = gw.attached("data", owner)) {
                guest.walk(0, 1, "locked");
                assertEquals(02746, shown(guest), "shown before");
                if (change.equals("truncate")) {
                    guest.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 1, 0, 0, 0, 0));
                } else {
                    guest.lopen(1, O_WRONLY);
                    assertEquals(BYTES.length, guest.write(1, 0, BYTES));
                }
                assertEquals(0746, HostSetIdWriteRaceAttackTest.mode(file), "host");
                int shown = shown(guest);
                assertEquals(0746, shown, "shown " + Integer.toOctalString(shown));
            }
        }
    }

    /** Pins the other side: a group the map names keeps the owner's set-gid without group-execute, as Linux's. */
    @ParameterizedTest
    @CsvSource({"0", "1000"})
    void theOwnersTruncateKeepsSetGidOfAMappedGroup(int owner) throws Exception {
        assumeTrue(CAN_CHOWN, "the file's owner and group are mapped ids");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path file = Files.write(gw.share("data").resolve("locked"), BYTES);
            Files.setAttribute(file, "unix:uid", HostShareGateway.HOST_ID_BASE + owner);
            Files.setAttribute(file, "unix:gid", HostShareGateway.HOST_ID_BASE + owner);
            HostChmod.chmod(file, 02746);
            try (P9Client guest = gw.attached("data", owner)) {
                guest.walk(0, 1, "locked");
                guest.setattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 1, 0, 0, 0, 0));
                assertEquals(02746, shown(guest));
            }
        }
    }

    private static int shown(P9Client guest) throws Exception {
        return guest.getattr(1, Attr.GETATTR_ALL).mode() & 07777;
    }
}

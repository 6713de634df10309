package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Tsetattr of several attributes is one request with one errno, as Linux's notify_change applies one setattr: a
 * hostile guest asked for a mode and a size no host file can have (past ext4's largest file, EFBIG), and the
 * mode was changed before the size failed, so the host kept half of a request the guest was told failed and whose
 * outcome record said it failed. What the host can refuse is now tried first (the size, through the quota) and
 * refused before anything changes; a later refusal that comes after a change the host cannot take back (a
 * truncate) is recorded with what was applied.
 */
class SetattrHalfAppliedAttackTest {
    private static final int S_IFREG = 0100000;
    private static final int GUEST_USER = 1000;
    private static final long PAST_ANY_EXT4_FILE = 1L << 50;

    @TempDir
    Path tmp;

    @Test
    void aSizeTheHostRefusesLeavesTheModeAskedWithItUnchanged() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path file = Files.writeString(gw.share("data").resolve("f"), "content");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "f");
                int modeBefore = guest.getattr(1, 0x7ff).mode();
                SetAttr modeAndSize = new SetAttr(
                        SetAttr.SETATTR_MODE | SetAttr.SETATTR_SIZE,
                        S_IFREG | 0600,
                        0,
                        0,
                        PAST_ANY_EXT4_FILE,
                        0,
                        0,
                        0,
                        0);
                Errno errno = refused(() -> guest.setattr(1, modeAndSize));
                assumeTrue(errno == Errno.EFBIG, "a host file system with a largest file size below 2^50");
                assertEquals(modeBefore, guest.getattr(1, 0x7ff).mode(), "the guest sees the mode it had");
            }
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("content", Files.readString(file));
            AuditEntry outcome = lastSetattrOutcome(gw);
            assertEquals(Errno.EFBIG, outcome.outcome().errno());
            assertFalse(outcome.request().detail().contains("applied="), "nothing was applied");
        }
    }

    @Test
    void anOwnerAndModeOfASymlinkChangeNeither() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path link = Files.createSymbolicLink(gw.share("data").resolve("l"), Path.of("nowhere"));
            Object ownerBefore = Files.getAttribute(link, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "l");
                SetAttr ownerAndMode =
                        new SetAttr(SetAttr.SETATTR_UID | SetAttr.SETATTR_MODE, 0120777, 1234, 0, 0, 0, 0, 0, 0);
                assertEquals(Errno.EOPNOTSUPP, refused(() -> guest.setattr(1, ownerAndMode)));
            }
            assertEquals(ownerBefore, Files.getAttribute(link, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aRefusalAfterATruncateIsRecordedWithTheTruncate() throws Exception {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "host-owned files of another user need a root test run");
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data")) {
            // Root's file that everyone may write: guest user 1000 may truncate it, not chmod it.
            Path file = Files.writeString(gw.share("data").resolve("shared"), "content");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            try (P9Client guest = gw.attached("data", GUEST_USER)) {
                guest.walk(0, 1, "shared");
                SetAttr sizeAndMode =
                        new SetAttr(SetAttr.SETATTR_MODE | SetAttr.SETATTR_SIZE, S_IFREG | 0600, 0, 0, 0, 0, 0, 0, 0);
                assertEquals(Errno.EPERM, refused(() -> guest.setattr(1, sizeAndMode)));
            }
            assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            AuditEntry outcome = lastSetattrOutcome(gw);
            assertEquals(Errno.EPERM, outcome.outcome().errno());
            assertEquals(0, Files.size(file), "the truncate, tried first, was made and cannot be taken back");
            assertTrue(
                    outcome.request().detail().contains("applied=0x8"),
                    "the record names the truncate the host kept: "
                            + outcome.request().detail());
        }
    }

    private static AuditEntry lastSetattrOutcome(HostShareGateway gw) {
        List<AuditEntry> outcomes = gw.records.stream()
                .filter(e -> e.request().operation() == Operation.SETATTR && e.phase() == RecordPhase.OUTCOME)
                .toList();
        assertFalse(outcomes.isEmpty(), "a failed Tsetattr has an outcome record");
        return outcomes.getLast();
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

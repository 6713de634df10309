package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Round 6 of the raw-client red team (R-AUD-1): 9P2000.L defines nine Tsetattr {@code valid} bits (0x1ff, MODE to
 * MTIME_SET); the Linux client sends no others (v9fs_mapped_iattr_valid). A Tsetattr carrying others (Linux's own
 * ia_valid bits ATTR_FORCE 0x200, ATTR_KILL_SUID 0x800, ATTR_KILL_SGID 0x1000, or any higher one) was answered
 * Rsetattr and recorded as an allowed SETATTR, the undefined bits silently dropped: the guest was told of changes
 * nothing made, and a reviewer read {@code valid=0x...} as done. Refused now, as a Twstat's unknown mode bits are:
 * EINVAL, nothing changed (not even the defined fields asked beside them), one SETATTR deny record with that errno
 * and rule {@code invalid-flags}.
 */
class SetattrUndefinedBitsAttackTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "valid=0x{0}")
    @ValueSource(strings = {"200", "800", "1000", "80000000", "fffffe00", "1001", "fffff021"})
    void aSetattrWithBitsNineP2000LDoesNotDefineIsRefusedChangingNothing(String hexValid) throws Exception {
        int valid = Integer.parseUnsignedInt(hexValid, 16);
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        try {
            Path notes = rig.policy.data.resolve("notes.txt");
            Files.setPosixFilePermissions(notes, PosixFilePermissions.fromString("rw-r--r--"));
            FileTime mtime = FileTime.fromMillis(1_000_000_000L);
            Files.setLastModifiedTime(notes, mtime);
            try (P9Client guest = rig.alpha()) {
                guest.walk(0, 1, "notes.txt");
                // With MODE (0x1) and MTIME|MTIME_SET (0x120) among them, the fields Linux would apply.
                SetAttr attr = new SetAttr(valid, 0777, 0, 0, 0, 0, 0, 5, 0);

                P9Exception refused = assertThrows(P9Exception.class, () -> guest.rpc(new TMessage.Tsetattr(1, attr)));

                assertEquals(Errno.EINVAL, refused.errno());
            }
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(notes)));
            assertEquals(mtime, Files.getLastModifiedTime(notes));
        } finally {
            rig.close();
        }
        List<AuditRecord> setattrs = rig.logs.records().stream()
                .filter(r -> "setattr".equals(r.op()))
                .toList();
        assertEquals(1, setattrs.size(), "one SETATTR record: " + setattrs);
        AuditRecord record = setattrs.getFirst();
        assertEquals("deny", record.decision(), record.toString());
        assertEquals(Errno.EINVAL.code(), record.errno(), record.toString());
        assertEquals(true, record.detail().contains("valid=0x" + hexValid), record.toString());
    }

    /** The nine defined bits are served as before: a mode and an explicit mtime, both applied. */
    @Test
    void theDefinedBitsAreServed() throws Exception {
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client guest = rig.alpha()) {
            Path notes = rig.policy.data.resolve("notes.txt");
            guest.walk(0, 1, "notes.txt");
            int valid =
                    SetAttr.SETATTR_MODE | SetAttr.SETATTR_MTIME | SetAttr.SETATTR_MTIME_SET | SetAttr.SETATTR_CTIME;
            guest.rpc(new TMessage.Tsetattr(1, new SetAttr(valid, 0600, 0, 0, 0, 0, 0, 5, 0)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(notes)));
            assertEquals(FileTime.fromMillis(5_000), Files.getLastModifiedTime(notes));
        }
    }
}

package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1) on what an xattr fid's requests are recorded as. A Tread or Twrite of an attribute's value is at
 * an offset the guest chooses, as a file's is: the value is written in pieces anywhere within its announced size, and
 * a read past its end is refused EINVAL; the record said only the name, so neither where a piece went nor why a read
 * was refused could be read from the log. A Tremove through an xattr fid removes the file (as QEMU's 9p does): it
 * must be decided and recorded as that file's removal, refused where the file may not be removed.
 */
class XattrFidRecordAttackTest {
    private static final byte[] FOUR = "abcd".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @Test
    void anAttributesReadsAndWritesAreRecordedWithTheirOffsets() throws Exception {
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "notes.txt");
            guest.rpc(new TMessage.Txattrcreate(1, "user.k", FOUR.length, 0));
            guest.write(1, 2, "cd".getBytes(StandardCharsets.US_ASCII));
            guest.write(1, 0, "ab".getBytes(StandardCharsets.US_ASCII));
            guest.clunk(1);
            guest.walk(0, 2, "notes.txt");
            guest.rpc(new TMessage.Txattrwalk(2, 3, "user.k"));
            assertEquals("cd", new String(guest.read(3, 2, 10), StandardCharsets.US_ASCII));
            assertEquals(
                    Errno.EINVAL,
                    assertThrows(P9Exception.class, () -> guest.read(3, 7, 10)).errno());
        } finally {
            rig.close();
        }
        List<String> details = rig.logs.records().stream()
                .filter(r -> "/notes.txt".equals(r.path())
                        && r.detail() != null
                        && r.detail().contains("xattr user.k"))
                .map(AuditRecord::detail)
                .toList();
        assertTrue(details.stream().anyMatch(d -> d.contains("offset=2")), "the piece at 2: " + details);
        assertTrue(details.stream().anyMatch(d -> d.contains("offset=0")), "the piece at 0: " + details);
        assertTrue(details.stream().anyMatch(d -> d.contains("offset=7")), "the refused read at 7: " + details);
    }

    @Test
    void aTremoveThroughAnXattrFidIsDecidedAndRecordedAsTheFilesRemoval() throws Exception {
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        Path data = rig.policy.data;
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "base", "map.db");
            guest.rpc(new TMessage.Txattrwalk(1, 2, ""));
            assertEquals(
                    Errno.EROFS,
                    assertThrows(P9Exception.class, () -> guest.remove(2)).errno());
            guest.walk(0, 3, "notes.txt");
            guest.rpc(new TMessage.Txattrwalk(3, 4, ""));
            guest.remove(4);
        } finally {
            rig.close();
        }
        assertTrue(Files.exists(data.resolve("base/map.db")), "a read-only file removed through an xattr fid");
        assertFalse(Files.exists(data.resolve("notes.txt")), "QEMU removes the file too");
        List<AuditRecord> records = rig.logs.records();
        assertTrue(
                records.stream()
                        .anyMatch(r -> "/base/map.db".equals(r.path())
                                && r.detail() != null
                                && r.detail().startsWith("action=remove ")),
                "the refusal names the file: "
                        + records.stream().map(r -> r.path() + " " + r.detail()).toList());
        assertTrue(
                records.stream()
                        .anyMatch(r -> "/notes.txt".equals(r.path())
                                && r.detail() != null
                                && r.detail().startsWith("action=remove ")),
                "the removal names the file");
    }
}

package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, R-AUD-5): a Txattrcreate of size 0 removes the attribute at its clunk (the Linux client's
 * removexattr), any other size sets it. Their records said only the name, so the log told a removal from a set only by
 * the Twrites around it, which a removal has none of and a refused Txattrcreate comes before: a refused removal and a
 * refused set were one record, and the second was counted as a repeat of the first. A Txattrcreate's record and its
 * commit's say the size announced (0: a removal) and the flags (XATTR_CREATE, XATTR_REPLACE) when there are any.
 */
class XattrRemovalRecordAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aRemovalIsRecordedAsOneAndNotAsTheSetBeforeIt() throws Exception {
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        try {
            Path notes = rig.policy.data.resolve("notes.txt");
            try (P9Client guest = rig.alpha()) {
                guest.walk(0, 1, "notes.txt");
                guest.rpc(new TMessage.Txattrcreate(1, "user.k", 2, 0));
                guest.write(1, 0, "ab".getBytes(StandardCharsets.US_ASCII));
                guest.clunk(1);
                assertEquals(List.of("k"), userXattrs(notes));
                guest.walk(0, 2, "notes.txt");
                guest.rpc(new TMessage.Txattrcreate(2, "user.k", 0, 0));
                guest.clunk(2);
                assertEquals(List.of(), userXattrs(notes), "removed");

                guest.walk(0, 3, "base", "map.db");
                guest.walk(0, 4, "base", "map.db");
                assertEquals(Errno.EROFS, refused(() -> guest.rpc(new TMessage.Txattrcreate(3, "user.k", 2, 0))));
                assertEquals(Errno.EROFS, refused(() -> guest.rpc(new TMessage.Txattrcreate(4, "user.k", 0, 0))));
            }
        } finally {
            rig.close();
        }
        List<AuditRecord> records = rig.logs.records();
        List<String> commits = details(records, "action=xattr_commit", "/notes.txt");
        assertEquals(2, commits.size(), commits.toString());
        assertNotEquals(commits.get(0), commits.get(1), "a removal recorded as the set before it");
        List<String> creates = details(records, "action=xattr_create", "/notes.txt");
        assertNotEquals(creates.get(0), creates.get(1), "its Txattrcreate too");
        List<String> refusals = details(records, "action=xattr_create", "/base/map.db");
        assertEquals(2, refusals.size(), "each refusal recorded on its own: " + refusals);
        assertFalse(refusals.get(1).contains("repeat_of="), "a refused removal counted as a repeat of a refused set");
    }

    private static List<String> details(List<AuditRecord> records, String action, String path) {
        return records.stream()
                .filter(r -> path.equals(r.path())
                        && r.detail() != null
                        && r.detail().startsWith(action + " "))
                .map(AuditRecord::detail)
                .toList();
    }

    private static List<String> userXattrs(Path file) throws Exception {
        return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .list();
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

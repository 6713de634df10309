package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, R-POL-2): a changing request is decided and recorded on the path the kernel reports for the
 * file's handle (/proc/self/fd), which ends in " (deleted)" once the file is unlinked. The gateway cut that suffix off
 * whatever the file was called, so a guest naming a file {@code notes.txt (deleted)} had its writes recorded as
 * writes to {@code notes.txt}, another file, and a file {@code run.sh (deleted)} decided as {@code run.sh} (refused by
 * a rule on {@code *.sh} its name does not match). The suffix is the kernel's mark only when the entry at the full
 * path is not the file; a file that really was unlinked keeps the name it had, suffix and all.
 */
class DeletedSuffixNameAttackTest {
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aNameEndingInTheKernelsDeletedMarkIsDecidedAndRecordedAsItself() throws Exception {
        String rules = """
                rules:
                  - id: no-scripts
                    effect: deny
                    ops: [CREATE, OPEN_WRITE]
                    paths: ["/**/*.sh"]
                """;
        try (HostShareGateway gw = HostShareGateway.serving(tmp, rules, "data");
                P9Client guest = gw.attached("data", 0)) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("notes.txt"), "the reviewer's file");

            guest.walk(0, 1);
            guest.lcreate(1, "notes.txt (deleted)", O_RDWR, 0644, 0);
            renameElsewhere(guest);
            guest.write(1, 0, "forged".getBytes(StandardCharsets.UTF_8));
            assertEquals(List.of("notes.txt (deleted)"), lastPaths(gw, Operation.WRITE), "the file written");

            guest.walk(0, 2);
            guest.lcreate(2, "run.sh (deleted)", O_RDWR, 0644, 0);
            guest.clunk(2);
            guest.walk(0, 2, "run.sh (deleted)");
            renameElsewhere(guest);
            guest.lopen(2, O_WRONLY); // not a *.sh name: no-scripts does not apply
            assertEquals(List.of("run.sh (deleted)"), lastPaths(gw, Operation.OPEN));

            // Files really unlinked while open keep the name they had: the kernel's mark alone is cut.
            for (String name : List.of("gone", "gone (deleted)")) {
                guest.walk(0, 3);
                guest.lcreate(3, name, O_RDWR, 0644, 0);
                guest.unlinkat(0, name, 0);
                renameElsewhere(guest);
                guest.write(3, 0, "x".getBytes(StandardCharsets.UTF_8));
                assertEquals(List.of(name), lastPaths(gw, Operation.WRITE), "the unlinked file written");
                guest.clunk(3);
            }
            assertEquals("the reviewer's file", Files.readString(share.resolve("notes.txt")));
        }
    }

    /**
     * Telling the two apart takes a lookup from the share root, which takes a descriptor for each directory on the
     * way. A guest at its descriptor budget made that lookup fail, and a failure read as "not this file" cut the
     * suffix again: its write was recorded as one to {@code d/notes.txt}. Only a lookup that finds another entry or
     * none may cut it; one that cannot look fails the request.
     */
    @Test
    void aGuestAtItsDescriptorBudgetCannotHaveTheSuffixCutEither() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("d"));
        Files.writeString(share.resolve("d/notes.txt"), "the reviewer's file");
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        AuditTrail trail = entry -> {
            records.add(entry);
            return records.size();
        };
        long lots = 1_000_000;
        var budget = new VmBudget("vm", new Limits(lots, lots, lots, lots, lots, lots, lots, 1), null);
        try (var shares = TestSession.factory(share, new AllowAll(), trail);
                var guest = TestSession.open(shares, budget)) {
            guest.call(new TMessage.Tattach(0, -1, "root", "share", 0));
            guest.walk(0, 1, "d");
            guest.lcreate(1, "notes.txt (deleted)", O_RDWR, 0644);
            guest.call(new TMessage.Tmkdir(0, "made", 0755, 0));
            guest.call(new TMessage.Trenameat(0, "made", 0, "moved"));
            long held = budget.descriptors().used();
            budget.update(new Limits(lots, lots, lots, held, lots, lots, lots, 1));
            try {
                guest.write(1, 0, "forged".getBytes(StandardCharsets.UTF_8));
            } catch (P9Exception e) {
                assertEquals(Errno.EMFILE, e.errno(), "refused for want of a descriptor");
            }
            for (var r : records) {
                assertFalse(r.request().paths().contains("d/notes.txt"), "a record of another file: " + r);
            }
        }
        assertEquals("the reviewer's file", Files.readString(share.resolve("d/notes.txt")));
    }

    /**
     * Any rename makes the gateway forget the paths its handles learned from their walks and creates: the next
     * request on a handle asks the kernel (as every change of the host does for the path it is decided on).
     */
    private void renameElsewhere(P9Client guest) throws Exception {
        renames++;
        guest.mkdir(0, "made" + renames, 0755, 0);
        guest.renameat(0, "made" + renames, 0, "moved" + renames);
    }

    private int renames;

    private static List<String> lastPaths(HostShareGateway gw, Operation op) {
        return gw.records.stream()
                .filter(r -> r.request().operation() == op)
                .map(AuditEntry::request)
                .reduce((a, b) -> b)
                .orElseThrow()
                .paths();
    }
}

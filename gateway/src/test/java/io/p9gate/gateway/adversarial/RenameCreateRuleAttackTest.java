package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-2, R-POL-3): under a deny of CREATE and OPEN_WRITE on {@code *.sh} (no new scripts,
 * none rewritten), a guest wrote {@code evil.txt}, renamed it to {@code evil.sh}, and renamed another over the
 * existing {@code run.sh}: a script appeared and one was replaced, though neither could be created or written.
 * A rename was asked only as RENAME on its two paths, and the new name has fewer rights than the old, so the
 * widening check let it through. A name appears at a rename's destination as at a link's: it is also asked CREATE.
 */
class RenameCreateRuleAttackTest {
    private static final int O_WRONLY = 1;
    private static final int O_EXCL = 0200;

    @TempDir
    Path tmp;

    @Test
    void aRenameCannotMakeANameThatCouldNotBeCreated() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE], paths: ["/**/*.sh"]}
                """, "data")) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("run.sh"), "echo safe\n");
            try (P9Client guest = gw.attached("data", 0)) {
                written(guest, 1, "evil.txt");
                assertEquals(Errno.EACCES, errno(() -> guest.renameat(0, "evil.txt", 0, "evil.sh")), "a new script");
                assertEquals(Errno.EACCES, errno(() -> guest.renameat(0, "evil.txt", 0, "run.sh")), "over a script");
                guest.walk(0, 2, "evil.txt");
                assertEquals(Errno.EACCES, errno(() -> guest.rpc(new TMessage.Trename(2, 0, "evil.sh"))), "Trename");

                guest.renameat(0, "evil.txt", 0, "notes.md"); // a name that may be created: as before
            }
            List<AuditEntry> refused = gw.records.stream()
                    .filter(r -> r.request().operation() == Operation.RENAME
                            && !r.decision().allowed())
                    .toList();
            assertEquals(3, refused.size(), "each refusal is recorded: " + refused);
            assertEquals(
                    List.of("vm.guest.share.data.rules.no-scripts"),
                    refused.getFirst().decision().ruleIds());
            assertEquals("echo safe\n", Files.readString(share.resolve("run.sh")));
            assertFalse(Files.exists(share.resolve("evil.sh")));
            assertTrue(Files.exists(share.resolve("notes.md")));
        }
    }

    private static void written(P9Client guest, int fid, String name) throws Exception {
        guest.walk(0, fid);
        guest.lcreate(fid, name, O_WRONLY | O_EXCL, 0755, 0);
        guest.write(fid, 0, "rm -rf ~\n".getBytes(StandardCharsets.UTF_8));
        guest.clunk(fid);
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

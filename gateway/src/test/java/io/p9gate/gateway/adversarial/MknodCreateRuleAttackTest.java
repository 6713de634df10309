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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-2, policy enforcement): a rule refusing CREATE of {@code *.sh} was sidestepped by
 * Tmknod, which makes a regular file too (mknod(2) with S_IFREG; the Linux client sends it for {@code mknod} and
 * Python's {@code os.mknod}) but was asked only as MKNOD. The guest then opened the new {@code x.sh} for writing
 * and filled it. Like a link or a symlink, a node is a name appearing: Tmknod is also asked as CREATE.
 */
class MknodCreateRuleAttackTest {
    private static final int S_IFREG = 0100000;
    private static final int S_IFIFO = 0010000;
    private static final int O_WRONLY = 1;

    @TempDir
    Path tmp;

    @Test
    void aRegularFileMadeByMknodIsACreate() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: no-new-scripts, effect: deny, ops: [CREATE], paths: ["/**/*.sh"]}
                """, "data");
                P9Client guest = gw.attached("data", 0)) {
            assertEquals(
                    Errno.EACCES,
                    errno(() -> guest.lcreate(cloneOfRoot(guest, 1), "a.sh", O_WRONLY, 0755, 0)),
                    "the rule as written");
            assertEquals(Errno.EACCES, errno(() -> mknod(guest, "b.sh", S_IFREG | 0755)), "mknod S_IFREG");
            assertEquals(Errno.EACCES, errno(() -> mknod(guest, "c.sh", S_IFIFO | 0644)), "mkfifo, as ln -s");
            mknod(guest, "fine.txt", S_IFREG | 0644);

            List<AuditEntry> refused = gw.records.stream()
                    .filter(r -> r.request().operation() == Operation.MKNOD
                            && !r.decision().allowed())
                    .toList();
            assertEquals(2, refused.size(), "each refusal is recorded: " + refused);
            assertEquals(
                    List.of("vm.guest.share.data.rules.no-new-scripts"),
                    refused.getFirst().decision().ruleIds());
        }
        Path share = tmp.resolve("shares/data");
        assertFalse(Files.exists(share.resolve("b.sh")), "no script to fill was made");
        assertFalse(Files.exists(share.resolve("c.sh")));
        assertTrue(Files.isRegularFile(share.resolve("fine.txt")));
    }

    private static int cloneOfRoot(P9Client guest, int fid) throws Exception {
        guest.walk(0, fid);
        return fid;
    }

    private static void mknod(P9Client guest, String name, int mode) throws Exception {
        guest.rpc(new TMessage.Tmknod(0, name, mode, 0, 0, 0));
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

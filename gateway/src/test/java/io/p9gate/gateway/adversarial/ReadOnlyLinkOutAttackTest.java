package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-2) of round 14: a guest looks for a second, writable name for a file of the read-only /base, to
 * write it through: a hard link into the writable share root or /cache, a rename of the file or of /base itself, a
 * symlink to it opened for writing (the gateway never follows a host symlink: ELOOP), and a char device node made
 * to reach a host device. All are refused, the file unchanged (test only, no defect).
 */
class ReadOnlyLinkOutAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aReadOnlyFileGetsNoWritableName() throws Exception {
        AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
        List<String> replies = new ArrayList<>();
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "base", "map.db");
            replies.add("link " + errno(guest, new TMessage.Tlink(0, 1, "copy")));
            replies.add("renameat " + errno(guest, new TMessage.Trenameat(0, "base", 0, "moved")));
            guest.walk(0, 2, "cache");
            replies.add("link-into-cache " + errno(guest, new TMessage.Tlink(2, 1, "copy")));
            replies.add("rename-fid " + errno(guest, new TMessage.Trename(1, 0, "moved.db")));
            replies.add("symlink " + errno(guest, new TMessage.Tsymlink(0, "ln", "base/map.db", 0)));
            replies.add("walk-ln " + errno(guest, new TMessage.Twalk(0, 3, List.of("ln"))));
            replies.add("open-ln-write " + errno(guest, new TMessage.Tlopen(3, 2)));
            replies.add("mknod-char " + errno(guest, new TMessage.Tmknod(0, "tty", 0020666, 5, 0, 0)));
        } finally {
            rig.close();
        }
        Path data = rig.policy.data;
        assertEquals(
                List.of(
                        "link EROFS",
                        "renameat EROFS",
                        "link-into-cache EROFS",
                        "rename-fid EROFS",
                        "symlink ok",
                        "walk-ln ok",
                        "open-ln-write ELOOP",
                        "mknod-char EPERM"),
                replies);
        assertEquals("tiles", Files.readString(data.resolve("base/map.db")));
        assertEquals(1, Files.getAttribute(data.resolve("base/map.db"), "unix:nlink"), "no second name on the host");
        assertEquals(false, Files.exists(data.resolve("tty")), "no device node made");
    }

    private static String errno(P9Client guest, TMessage request) throws Exception {
        try {
            guest.rpc(request);
            return "ok";
        } catch (P9Exception e) {
            return e.errno().name();
        }
    }
}

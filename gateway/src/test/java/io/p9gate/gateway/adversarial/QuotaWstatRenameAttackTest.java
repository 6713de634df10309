package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Wstats;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 9P2000.u Twstat is all or nothing (stat(5)): a new name and a length past the quota in one wstat was renamed,
 * then its Tsetattr refused the length (EDQUOT), so the guest got an Rerror for a file that had moved. The room the
 * length needs is checked before the rename; the Tsetattr still checks it again.
 */
class QuotaWstatRenameAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aLengthPastTheQuotaLeavesTheFileUnrenamed() throws Exception {
        Files.writeString(target.scope.resolve("f"), "content");
        P9Client mallory = target.start().connect("9P2000.u");
        mallory.walk(QuotaAttackGateway.ROOT, 1, "work", "cache", "f");
        long past = 2L * QuotaAttackGateway.LIMIT;
        P9Exception refused = assertThrows(
                P9Exception.class, () -> mallory.rpc(Wstats.unix(1, Wstats.common(-1, "g", -1, -1, past, ""), -1, -1)));
        assertEquals(Errno.EDQUOT, refused.errno());
        assertTrue(Files.exists(target.scope.resolve("f")), "the file was renamed by a refused wstat");
        assertTrue(Files.notExists(target.scope.resolve("g")));
        assertEquals("content", Files.readString(target.scope.resolve("f")));

        // Within the quota both fields are made.
        mallory.rpc(Wstats.unix(1, Wstats.common(-1, "g", -1, -1, 3, ""), -1, -1));
        assertEquals("con", Files.readString(target.scope.resolve("g")));
    }
}

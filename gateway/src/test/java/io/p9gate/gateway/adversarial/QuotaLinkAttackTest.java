package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, item 5(a): hard links carry bytes past a quota. A twin of a 5 MiB file outside the scope,
 * renamed into it, counted nothing (a file with two links counted 0 bytes), and the original's unlink
 * left 5 MiB inside a 1 MiB quota; writes through a name outside the scope grew a file inside it
 * uncounted. Now a file with several links cannot change scopes (EXDEV) and a write through any of
 * its names counts in every scope that holds one.
 */
class QuotaLinkAttackTest {
    private static final int BIG = 5 * LIMIT;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aLinkedTwinCannotBeRenamedIntoTheScope() throws Exception {
        Files.write(target.share.resolve("big"), new byte[BIG]);
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "big");
        c.link(ROOT, 1, "twin");
        c.walk(ROOT, 2, "work", "cache");

        assertEquals(
                Errno.EXDEV,
                assertThrows(P9Exception.class, () -> c.renameat(ROOT, "twin", 2, "twin"))
                        .errno());
        c.walk(ROOT, 3, "twin");
        assertEquals(
                Errno.EXDEV,
                assertThrows(P9Exception.class, () -> c.rpc(new TMessage.Trename(3, 2, "twin")))
                        .errno(),
                "Trename of the fid too");
        c.unlinkat(ROOT, "big", 0);

        assertTrue(target.hostBytesInScope() <= LIMIT, "scope holds " + target.hostBytesInScope());
        // Fid 1 was opened through the name that went: until it is closed the file cannot move between scopes
        // (QuotaLostNameAttackTest). Then the twin, its only name, moves in counted, and is refused: it does not fit.
        assertEquals(
                Errno.EXDEV,
                assertThrows(P9Exception.class, () -> c.renameat(ROOT, "twin", 2, "twin"))
                        .errno());
        c.clunk(1);
        c.clunk(3);
        assertEquals(
                Errno.EDQUOT,
                assertThrows(P9Exception.class, () -> c.renameat(ROOT, "twin", 2, "twin"))
                        .errno());
    }

    @Test
    void writesThroughANameOutsideTheScopeCountInIt() throws Exception {
        Path inside = Files.createFile(target.scope.resolve("inside"));
        Files.createLink(target.share.resolve("outside"), inside); // made on the host, or before a reload
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "outside");
        c.lopen(1, O_RDWR);

        long accepted = QuotaAttackGateway.fill(c, 1, 0, 2L * LIMIT);

        assertTrue(accepted <= LIMIT, "accepted " + accepted);
        assertTrue(target.hostBytesInScope() <= LIMIT, "scope holds " + target.hostBytesInScope());
    }
}

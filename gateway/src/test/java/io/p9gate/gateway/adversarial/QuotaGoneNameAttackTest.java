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
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fid opened through one name of a file with two keeps that name's path after the name is unlinked: the kernel
 * knows the handle by its removed entry (" (deleted)"), not by the name left. The name left, the file's only one,
 * could then be renamed into the scope, and every write through the fid was accounted where the removed name had
 * been, outside: the file grew in the scope uncounted, past its quota. Now a file held open while one of its names
 * goes cannot change scopes until those handles are closed (EXDEV, as a file with several links cannot).
 */
class QuotaGoneNameAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aFileHeldThroughARemovedNameCannotMoveIntoTheScope() throws Exception {
        Files.createFile(target.share.resolve("first"));
        P9Client c = target.start().connect();
        c.walk(ROOT, 1, "first");
        c.lopen(1, O_RDWR);
        c.walk(ROOT, 2, "first");
        c.link(ROOT, 2, "second");
        c.unlinkat(ROOT, "first", 0);
        c.walk(ROOT, 3, "work", "cache");

        Errno refused = null;
        try {
            c.renameat(ROOT, "second", 3, "second");
        } catch (P9Exception e) {
            refused = e.errno();
        }
        long accepted = QuotaAttackGateway.fill(c, 1, 0, 2L * LIMIT);

        long inScope = target.hostBytesInScope();
        assertTrue(
                inScope <= target.usageNow().bytes() && inScope <= LIMIT,
                "scope holds " + inScope + " (" + accepted + " written), counted "
                        + target.usageNow().bytes());
        assertEquals(Errno.EXDEV, refused);

        c.clunk(1);
        c.clunk(2);
        // No handle left, it may move, counted: its 2 MiB do not fit.
        assertEquals(
                Errno.EDQUOT,
                assertThrows(P9Exception.class, () -> c.renameat(ROOT, "second", 3, "second"))
                        .errno());
        assertEquals(target.usageAfterRestart(), target.usageNow());
    }
}

package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team of round 15 (R-POL-6): a file whose two hard links sit in two quota scopes, linked so by the host (the
 * gateway refuses such a Tlink, EXDEV), grown by the guest through either name, by Tsetattr and by Twrite. Each scope
 * counts the file's bytes; neither may hold more than its limit on the host, and the running counts must be what a
 * restart's scan finds.
 */
class QuotaTwoScopeLinkGrowthAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway(
            "{path: /work/cache, bytes: %d, inodes: 50}".formatted(LIMIT),
            "{path: /work/other, bytes: %d, inodes: 50}".formatted(4 * LIMIT));

    @Test
    void aFileLinkedIntoTwoScopesGrowsWithinBothLimits() throws Exception {
        Path other = Files.createDirectories(target.share.resolve("work/other"));
        Path inCache = Files.write(target.scope.resolve("f"), new byte[0]);
        Files.createLink(other.resolve("f"), inCache);
        P9Client c = target.start().connect();
        List<String> replies = new ArrayList<>();
        c.walk(ROOT, 1, "work", "other", "f");
        replies.add("setattr 3 MiB via other "
                + QuotaLinkedFileInMovedDirectoryAttackTest.ask(c, new TMessage.Tsetattr(1, size(3L * LIMIT))));
        replies.add("setattr 1 MiB+1 via other "
                + QuotaLinkedFileInMovedDirectoryAttackTest.ask(c, new TMessage.Tsetattr(1, size(LIMIT + 1L))));
        c.lopen(1, O_RDWR);
        long written = QuotaAttackGateway.fill(c, 1, 0, 3L * LIMIT);
        assertEquals(LIMIT, written, "the write through the larger scope's name stops at the smaller's limit");
        c.clunk(1);
        c.walk(ROOT, 2, "work", "cache", "f");
        replies.add("setattr 1 MiB+1 via cache "
                + QuotaLinkedFileInMovedDirectoryAttackTest.ask(c, new TMessage.Tsetattr(2, size(LIMIT + 1L))));
        long size = Files.size(inCache);
        assertTrue(size <= LIMIT, "the file holds " + size + " bytes in a " + LIMIT + "-byte scope: " + replies);
        assertEquals(target.usagesAfterRestart(), target.usagesNow(), "the running counts drifted: " + replies);
    }

    private static SetAttr size(long bytes) {
        return new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, bytes, 0, 0, 0, 0);
    }
}

package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.O_RDWR;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team of round 14 (R-POL-6): QuotaLinkAttackTest keeps a file with several links from changing scopes by its
 * own rename (EXDEV). Here the file does not move itself: the directory holding one of its names is renamed into
 * the quota's scope while its other name stays outside, then the file is grown through the outside name and that
 * name unlinked. The scope must never hold more than its limit on the host, and its running count must be what a
 * restart's scan finds.
 */
class QuotaLinkedFileInMovedDirectoryAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aDirectoryCarriesNoUncountedLinkIntoTheScope() throws Exception {
        P9Client c = target.start().connect();
        List<String> replies = new ArrayList<>();
        c.walk(ROOT, 1, "work");
        c.mkdir(1, "d", 0755, 0);
        c.walk(1, 2, "d");
        c.walk(2, 3);
        c.lcreate(3, "x", O_RDWR, 0644, 0);
        QuotaAttackGateway.fill(c, 3, 0, LIMIT / 2);
        c.clunk(3);
        c.walk(2, 4, "x");
        c.link(1, 4, "outside");
        c.walk(1, 5, "cache");
        replies.add("move " + ask(c, new TMessage.Trenameat(1, "d", 5, "d")));
        c.walk(1, 6, "outside");
        c.lopen(6, O_RDWR);
        long grown = QuotaAttackGateway.fill(c, 6, LIMIT / 2, 2L * LIMIT);
        c.clunk(6);
        replies.add("unlink outside " + ask(c, new TMessage.Tunlinkat(1, "outside", 0)));
        long inScope;
        try (Stream<Path> files = Files.walk(target.scope)) {
            inScope = files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
        assertTrue(
                inScope <= LIMIT,
                "the scope holds " + inScope + " bytes under a " + LIMIT + "-byte quota (grown by " + grown + "): "
                        + replies);
        c.clunk(4);
        assertEquals(target.usageAfterRestart(), target.usageNow(), "the running count drifted: " + replies);
    }

    /** The reply's errno name, or "ok". */
    static String ask(P9Client c, TMessage t) throws Exception {
        try {
            c.rpc(t);
            return "ok";
        } catch (P9Exception e) {
            return e.errno().name();
        }
    }
}

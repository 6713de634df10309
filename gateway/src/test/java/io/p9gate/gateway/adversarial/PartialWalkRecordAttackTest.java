package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.adversarial.ChokePointGateway.Mode;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team of issue 8 item 7 (a record that lies about what happened, R-AUD-1): a Twalk whose first name resolves
 * but a later one does not is answered with the qids of the names that did, and no fid; the Linux client reads it
 * as ENOENT. Its record said the walk to the full path succeeded, so a guest probing for
 * {@code reports/<guess>} left a trail of successful walks to names that do not exist. The record of a walk that
 * stopped says where it stopped being true: the errno of the name that did not resolve.
 */
class PartialWalkRecordAttackTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aWalkThatStopsIsRecordedAsFailed(Mode mode) throws Exception {
        try (ChokePointGateway gw = ChokePointGateway.start(tmp, mode);
                P9Client alpha = gw.alpha()) {
            Files.createDirectories(gw.data.resolve("reports"));
            alpha.attach(0, "u", "data", 0);

            assertEquals(1, alpha.walk(0, 1, "reports", "q3-forecast").size(), "a partial walk");
            assertEquals(
                    Errno.EBADF,
                    assertThrows(P9Exception.class, () -> alpha.getattr(1, 0)).errno(),
                    "no fid");
            AuditEntry stopped = lastWalk(gw);
            assertEquals(
                    List.of("reports", "reports/q3-forecast"), stopped.request().paths());
            assertEquals(Errno.ENOENT, stopped.outcome().errno(), "recorded: " + stopped);

            assertEquals(1, alpha.walk(0, 2, "f", "x").size(), "through a file");
            assertEquals(Errno.ENOTDIR, lastWalk(gw).outcome().errno());

            assertEquals(2, alpha.walk(0, 3, "reports", "..").size(), "a whole walk");
            assertEquals(null, lastWalk(gw).outcome().errno(), "is still a success");
        }
    }

    private static AuditEntry lastWalk(ChokePointGateway gw) {
        return gw.trail.decisions.stream()
                .filter(e -> e.request().operation() == Operation.WALK)
                .toList()
                .getLast();
    }
}

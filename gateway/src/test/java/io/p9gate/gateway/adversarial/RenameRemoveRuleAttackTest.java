package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 8 (R-POL-2): a deny of REMOVE on {@code /crash/**} keeps crash reports from being deleted, and
 * Tunlinkat of one was refused; but a guest renamed {@code /crash/report} to {@code /report} (RENAME was allowed on
 * both paths, and REMOVE is not a right on the file that the widening check compares) and then unlinked it there.
 * A rename takes the name away at its source as an unlink does: it is also asked REMOVE there. Moving a new file
 * into {@code /crash} (write, then rename: how reports are written atomically) is unchanged.
 */
class RenameRemoveRuleAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aRenameCannotTakeAwayANameThatMayNotBeRemoved() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: keep-crash-reports, effect: deny, ops: [REMOVE], paths: ["/crash/**"]}
                """, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("crash"));
            Files.writeString(share.resolve("crash/report"), "segfault at 0x0");
            Files.writeString(share.resolve("new-report"), "abort()");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "crash");
                assertEquals(Errno.EACCES, errno(() -> guest.unlinkat(1, "report", 0)), "the rule as written");
                assertEquals(Errno.EACCES, errno(() -> guest.renameat(1, "report", 0, "report")), "moved out");
                assertEquals(Errno.EACCES, errno(() -> guest.renameat(1, "report", 1, "renamed")), "renamed");
                guest.walk(1, 2, "report");
                assertEquals(Errno.EACCES, errno(() -> guest.rpc(new TMessage.Trename(2, 0, "report"))), "Trename");

                guest.renameat(0, "new-report", 1, "report-2"); // a report moved in: as before
            }
            assertEquals("segfault at 0x0", Files.readString(share.resolve("crash/report")));
            assertFalse(Files.exists(share.resolve("report")));
            assertTrue(Files.exists(share.resolve("crash/report-2")));
        }
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

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
        try (HostShareGateway gw = keepingCrashReports()) {
            Path share = gw.share("data");
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

    /**
     * Renaming onto an existing name removes the file that had it: under the same rule {@code mv junk
     * /crash/report} destroyed the report. A name that may not be removed is not replaced either: the rename is
     * made with RENAME_NOREPLACE and fails with EEXIST when the name exists (whether it does is the host's answer,
     * atomically, not a check that could race); onto a new name it works as before.
     */
    @Test
    void aRenameCannotReplaceANameThatMayNotBeRemoved() throws Exception {
        try (HostShareGateway gw = keepingCrashReports()) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("junk"), "nothing to see");
            Files.writeString(share.resolve("other"), "abort()");
            try (P9Client guest = gw.attached("data", 0)) {
                guest.walk(0, 1, "crash");
                assertEquals(Errno.EEXIST, errno(() -> guest.renameat(0, "junk", 1, "report")), "renameat over it");
                guest.walk(0, 2, "junk");
                assertEquals(Errno.EEXIST, errno(() -> guest.rpc(new TMessage.Trename(2, 1, "report"))), "Trename");

                guest.renameat(0, "other", 1, "report-2");
                guest.renameat(0, "junk", 0, "other"); // replacing a name that may be removed: as before
            }
            assertEquals("segfault at 0x0", Files.readString(share.resolve("crash/report")));
            assertEquals("nothing to see", Files.readString(share.resolve("other")));
            assertTrue(Files.exists(share.resolve("crash/report-2")));
        }
    }

    /** A share whose {@code /crash/report} may not be removed. */
    private HostShareGateway keepingCrashReports() throws Exception {
        HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: keep-crash-reports, effect: deny, ops: [REMOVE], paths: ["/crash/**"]}
                """, "data");
        Files.createDirectories(gw.share("data").resolve("crash"));
        Files.writeString(gw.share("data").resolve("crash/report"), "segfault at 0x0");
        return gw;
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

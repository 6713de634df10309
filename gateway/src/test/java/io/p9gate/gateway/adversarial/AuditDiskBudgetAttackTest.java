package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.DataOnLogFilesystem;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 6 (disk): a guest that makes the audit log grow (here with writes, each one an intent record)
 * used to fill the disk until the log failed and every VM was refused. With a disk budget the refusal comes
 * early, is logged, and fails closed: changes are refused (EIO) and not made, while another VM's reads go on
 * and are still recorded; nothing is dropped, and the log stays within its budget and verifies.
 */
class AuditDiskBudgetAttackTest {
    private static final long BUDGET = 256 << 10;

    @TempDir
    Path tmp;

    @Test
    void nearTheBudgetChangesAreRefusedEarlyAndLoudlyWhileReadsAreStillRecorded() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = capture(logged);
        Logger auditLoggers = Logger.getLogger("io.p9gate.audit"); // held: JUL keeps loggers only weakly
        auditLoggers.addHandler(capture);
        SignedLogs logs;
        long readsBefore;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, AuditDiskBudgetAttackTest::budgeted);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            logs = rig.logs;
            alpha.walk(0, 1);
            alpha.lcreate(1, "filler", 1, 0644, 0);
            long offset = 0;
            P9Exception refused = null;
            while (refused == null && offset < 4 * BUDGET / 400) {
                try {
                    alpha.write(1, offset, new byte[] {'x'});
                    offset++;
                } catch (P9Exception e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the budget never refused a change");
            assertEquals(Errno.EIO, refused.errno());
            Path filler = rig.policy.data.resolve("filler");
            assertEquals(offset, Files.size(filler), "the refused write was not made");
            for (int i = 0; i < 20; i++) {
                long at = offset + i;
                assertEquals(
                        Errno.EIO,
                        assertThrows(P9Exception.class, () -> alpha.write(1, at, new byte[] {'y'}))
                                .errno());
            }
            assertEquals(offset, Files.size(filler), "no refused change reached the host");

            readsBefore = readCount(logs);
            for (int i = 0; i < 5; i++) {
                beta.walk(0, 2, "readme");
                beta.lopen(2, 0);
                assertArrayEquals("beta's view".getBytes(StandardCharsets.UTF_8), beta.read(2, 0, 100));
                beta.clunk(2);
            }
        } finally {
            auditLoggers.removeHandler(capture);
        }
        assertEquals(readsBefore + 5, readCount(logs), "beta's reads are still recorded");
        assertTrue(
                logged.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("less than 20 % left")),
                logged.toString());
        // beta was seen too: alpha's share is half the last 20 %, and alpha alone is refused once it is used.
        assertTrue(
                logged.stream().anyMatch(l -> l.startsWith("SEVERE") && l.contains("VM alpha used its share")),
                logged.toString());
        assertTrue(
                logs.records().stream()
                        .anyMatch(r -> "log_budget".equals(r.type())
                                && r.detail().contains(" vm=alpha ")
                                && r.detail().endsWith(" refused")),
                "the log says when alpha's requests stopped, and why");
        assertTrue(logs.bytes() <= BUDGET + (16 << 10), "within the budget: " + logs.bytes());
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * The last 20 % of the budget is shared: beta, a read-only VM whose every look is recorded, floods the log with
     * getattrs. Before the shares it used all of it, the 5 % mark refused every VM's changes, and alpha, which had
     * made none of the records, could no longer write. Now beta alone is refused once it has used its half.
     */
    @Test
    void aVmFloodingTheLogWithLooksCannotStopAnotherVmsChanges() throws Exception {
        SignedLogs logs;
        int alphaWrites = 0;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, AuditDiskBudgetAttackTest::sharedByTwo);
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            logs = rig.logs;
            P9Exception refused = null;
            int looks = 0;
            while (refused == null && looks < 4 * BUDGET / 200) {
                try {
                    beta.getattr(0, 0x7ff);
                    looks++;
                } catch (P9Exception e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "beta's looks were never refused");
            assertEquals(Errno.EIO, refused.errno());
            assertThrows(P9Exception.class, () -> beta.getattr(0, 0x7ff), "beta stays refused");

            // Refused, beta starts sessions as fast as it can (a Tversion storm): none can be recorded, and the
            // host's log hears of it once in a while, not twice per session.
            List<String> logged = new CopyOnWriteArrayList<>();
            Handler capture = capture(logged);
            Logger gatewayLoggers = Logger.getLogger("io.p9gate.gateway"); // held: JUL keeps loggers only weakly
            gatewayLoggers.addHandler(capture);
            try {
                for (int i = 0; i < 200; i++) {
                    beta.version(65536, "9P2000.L");
                }
                assertThrows(P9Exception.class, () -> beta.attach(0, "root", "other", 0));
            } finally {
                gatewayLoggers.removeHandler(capture);
            }
            long sessionLines =
                    logged.stream().filter(l -> l.contains("cannot record")).count();
            assertTrue(sessionLines <= 4, sessionLines + " log lines for 200 sessions: " + logged);

            alpha.walk(0, 1);
            alpha.lcreate(1, "after-the-flood", 1, 0644, 0);
            for (; alphaWrites < 20; alphaWrites++) {
                alpha.write(1, alphaWrites, new byte[] {'x'});
            }
            assertEquals(20, Files.size(rig.policy.data.resolve("after-the-flood")), "alpha's changes were made");
        }
        assertTrue(
                logs.records().stream()
                        .anyMatch(r -> "log_budget".equals(r.type())
                                && r.detail().contains(" vm=beta ")
                                && r.detail().endsWith(" refused")),
                "the log says beta was refused, and why");
        assertEquals(
                20,
                logs.records().stream()
                        .filter(AuditRecord::isDecision)
                        .filter(r -> "alpha".equals(r.vm()) && "write".equals(r.op()))
                        .count(),
                "alpha's writes are recorded");
        assertTrue(logs.bytes() <= BUDGET + (16 << 10), "within the budget: " + logs.bytes());
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * A share on the log's file system: alpha's writes take the free space its records need. The free-space reserve
     * was sampled every 256 KiB of records only, so alpha's Twrites (1 MiB of data to 300 bytes of record) went on
     * unseen past the reserve, until the next record of any VM failed on a full disk (EIO for all). Here the reserve
     * is set so that 12 % of it is left: a write is now refused, ENOSPC, and not made, while alpha's changes without
     * data and beta's reads are still recorded.
     */
    @Test
    void writesToAShareOnTheLogsFileSystemAreRefusedBeforeTheRecordsReserve() throws Exception {
        long reserve = twelvePercentLeft(tmp);
        SignedLogs logs;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, l -> onTheLogsFileSystem(l, reserve));
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            logs = rig.logs;
            Files.createFile(rig.policy.data.resolve("filler")); // by the host: a new file is refused there too
            alpha.walk(0, 1, "filler");
            alpha.lopen(1, 1);
            P9Exception refused =
                    assertThrows(P9Exception.class, () -> alpha.write(1, 0, new byte[32 << 10]), "a write of data");
            assertEquals(Errno.ENOSPC, refused.errno());
            assertEquals(0, Files.size(rig.policy.data.resolve("filler")), "the refused write was not made");
            // Changes without data take the file system's blocks and inodes too: refused there as well.
            alpha.walk(0, 3);
            assertEquals(
                    Errno.ENOSPC,
                    assertThrows(P9Exception.class, () -> alpha.mkdir(3, "d", 0755, 0))
                            .errno());
            assertEquals(
                    Errno.ENOSPC,
                    assertThrows(P9Exception.class, () -> alpha.symlink(3, "l", "t".repeat(4000), 0))
                            .errno());
            alpha.walk(0, 4);
            assertEquals(
                    Errno.ENOSPC,
                    assertThrows(P9Exception.class, () -> alpha.lcreate(4, "e", 1, 0644, 0))
                            .errno());
            for (String name : List.of("d", "l", "e")) {
                assertTrue(
                        Files.notExists(rig.policy.data.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                        name + " was not made");
            }
            alpha.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0600, 0, 0, 0, 0, 0, 0, 0)); // takes nothing
            beta.walk(0, 2, "readme");
            beta.lopen(2, 0);
            assertArrayEquals("beta's view".getBytes(StandardCharsets.UTF_8), beta.read(2, 0, 100));
        }
        assertEquals(1, readCount(logs), "beta's read is recorded");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * A change the reserve refuses (ENOSPC) is recorded as a failed request, as a quota's or a share's refusal is:
     * before, neither its intent nor any record of it was written (the log's state, not the request, was logged,
     * and only when it changed), so the log did not show that alpha tried, nor what.
     */
    @Test
    void aChangeRefusedForTheRecordsReserveIsRecorded() throws Exception {
        long reserve = twelvePercentLeft(tmp);
        SignedLogs logs;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, l -> onTheLogsFileSystem(l, reserve));
                P9Client alpha = rig.alpha()) {
            logs = rig.logs;
            alpha.walk(0, 1);
            assertEquals(
                    Errno.ENOSPC,
                    assertThrows(P9Exception.class, () -> alpha.mkdir(1, "refused", 0755, 0))
                            .errno());
        }
        List<AuditRecord> refusals = logs.records().stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> "alpha".equals(r.vm()) && "mkdir".equals(r.op()))
                .toList();
        assertEquals(1, refusals.size(), "the refused mkdir's records: " + refusals);
        assertEquals(Errno.ENOSPC.code(), refusals.getFirst().errno(), refusals.toString());
        assertTrue(refusals.getFirst().path().endsWith("/refused"), refusals.toString());
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** A free-space reserve that leaves 12 % of it free on {@code dir}'s file system: within the last 20 %, above 5 %. */
    private static long twelvePercentLeft(Path dir) throws java.io.IOException {
        return (long) (Files.getFileStore(dir).getUsableSpace() / 1.12);
    }

    /** A free-space reserve of {@code reserve} bytes, every share counted as on the log's file system. */
    static SignedAuditTrail onTheLogsFileSystem(SignedLogs logs, long reserve) {
        try {
            SignedAuditTrail trail = SignedAuditTrail.open(
                    logs.dir,
                    logs.key,
                    SignedLogs.options().withDiskBudget(0, reserve).withBudgetVms(2));
            trail.countDataOnLogFilesystem(new DataOnLogFilesystem(logs.dir, (vm, share) -> Optional.of(logs.dir)));
            return trail;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A handler that keeps each line logged, as "LEVEL message". */
    private static Handler capture(List<String> logged) {
        return new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
    }

    /** The budget as {@code serve} sets it for a policy of two VMs. */
    private static SignedAuditTrail sharedByTwo(SignedLogs logs) {
        try {
            return SignedAuditTrail.open(
                    logs.dir,
                    logs.key,
                    SignedLogs.options().withDiskBudget(BUDGET, 0).withBudgetVms(2));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SignedAuditTrail budgeted(SignedLogs logs) {
        try {
            return SignedAuditTrail.open(
                    logs.dir, logs.key, SignedLogs.options().withDiskBudget(BUDGET, 0));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long readCount(SignedLogs logs) throws Exception {
        return logs.records().stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> "beta".equals(r.vm()) && "read".equals(r.op()))
                .count();
    }
}

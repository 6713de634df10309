package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/policy.md "reload": each request is decided by one policy, never a mix. A rename onto an existing name also
 * removes the file that had it, so it replaces that name only where REMOVE is allowed; that answer must come from the
 * policy that allowed the rename. Here a reload lands while the rename's intent record is written, between its
 * decision and the backend call: the old policy denies REMOVE on {@code /crash/**}, the new one only RENAME there.
 * Before the fix the rename, allowed by the old policy, asked the new one whether it could replace
 * {@code /crash/report} and destroyed the report, which neither policy allows.
 */
class RenameReloadTest {
    private static final String KEEP_CRASH_REPORTS = """
                      - id: keep-crash-reports
                        effect: deny
                        ops: [REMOVE]
                        paths: ["/crash/**"]
            """;
    private static final String NO_RENAMES_IN_CRASH = """
                      - id: no-renames-in-crash
                        effect: deny
                        ops: [RENAME]
                        paths: ["/crash/**"]
            """;

    @TempDir
    Path tmp;

    @Test
    void aRenameDecidedBeforeAReloadReplacesOnlyWhereThePolicyThatDecidedItAllows() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Files.createDirectories(fx.data.resolve("crash"));
        Files.writeString(fx.data.resolve("crash/report"), "segfault at 0x0");
        Files.writeString(fx.data.resolve("junk"), "nothing to see");
        Files.writeString(fx.policyFile, fx.policy(KEEP_CRASH_REPORTS));
        PolicyHolder holder = fx.holder();
        String decidedBy = holder.current().digest();
        PolicyReloader reloader = new PolicyReloader(holder);
        AtomicBoolean reloadAtRename = new AtomicBoolean(true);
        List<AuditEntry> renames = new CopyOnWriteArrayList<>();
        AuditTrail trail = entry -> {
            if (entry.request().operation() == Operation.RENAME) {
                renames.add(entry);
                if (reloadAtRename.getAndSet(false)) { // the operator's SIGHUP, as the intent is written
                    try {
                        Files.writeString(fx.policyFile, fx.policy(NO_RENAMES_IN_CRASH));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    assertInstanceOf(ReloadResult.Loaded.class, reloader.reload());
                }
            }
            return renames.size();
        };
        try (ShareServerFactory shares = fx.shares(holder, OwnershipMode.automatic(ThisProcess.INSTANCE), trail);
                TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            s.walk(TestSession.ROOT, 1, "crash");
            assertEquals(
                    Errno.EEXIST,
                    s.fails(new TMessage.Trenameat(TestSession.ROOT, "junk", 1, "report")),
                    "the policy that allowed the rename may not remove /crash/report");
            assertFalse(reloadAtRename.get(), "the reload came between the decision and the rename");
            assertNotEquals(decidedBy, holder.current().digest());
        }
        assertEquals("segfault at 0x0", Files.readString(fx.data.resolve("crash/report")));
        assertEquals("nothing to see", Files.readString(fx.data.resolve("junk")));
        assertEquals(2, renames.size(), "the intent, then its outcome (EEXIST)");
        for (AuditEntry r : renames) {
            assertEquals(decidedBy, r.decision().policyDigest(), "every record names the policy that decided");
        }
        assertEquals(Errno.EEXIST, renames.getLast().outcome().errno());
    }
}

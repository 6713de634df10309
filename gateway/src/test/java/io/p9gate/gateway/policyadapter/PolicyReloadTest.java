package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.PolicyHolder.ReloadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R-POL-7: a reload applies to the next request of a live session; a broken file keeps the old policy. */
class PolicyReloadTest {
    static final int O_WRONLY = 1;
    static final String DENY_NOTES = """
                      - id: notes-frozen
                        effect: deny
                        ops: [OPEN_WRITE]
                        paths: [/notes.txt]
            """;

    @TempDir
    Path tmp;

    @Test
    void aNewRuleAppliesToTheNextRequestAndABrokenFileKeepsTheOldPolicy() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        List<ReloadResult> seen = new CopyOnWriteArrayList<>();
        reloader.onReload(seen::add);
        try (ShareServerFactory shares = fx.shares(holder);
                TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            s.walk(TestSession.ROOT, 1, "notes.txt");
            s.lopen(1, O_WRONLY);
            s.clunk(1);

            String before = holder.current().digest();
            Files.writeString(fx.policyFile, fx.policy(DENY_NOTES));
            ReloadResult loaded = reloader.reload();
            assertInstanceOf(ReloadResult.Loaded.class, loaded);
            s.walk(TestSession.ROOT, 2, "notes.txt");
            assertEquals(Errno.EACCES, s.fails(new TMessage.Tlopen(2, O_WRONLY)));

            String good = holder.current().digest();
            Files.writeString(fx.policyFile, "image: test\nvms: [not, a, map]\n");
            ReloadResult kept = reloader.reload();
            ReloadResult.Kept k = assertInstanceOf(ReloadResult.Kept.class, kept);
            assertEquals(good, k.digest());
            assertTrue(k.reason().contains(fx.policyFile + ":2:"), k.reason());
            assertEquals(Errno.EACCES, s.fails(new TMessage.Tlopen(2, O_WRONLY)), "old (second) policy still on");
            assertNotEquals(before, good);
        }
        assertEquals(2, seen.size());
    }

    /**
     * A reload whose prepared state cannot be put in place after the swap (a bug in an install) is refused whole: the
     * outcome file and every listener said "kept, old digest" while the new policy already decided the next request.
     */
    @Test
    void aReloadWhoseInstallFailsIsKeptEverywhereAndTheOldPolicyStillDecides() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        String first = holder.current().digest();
        reloader.beforeSwap(fresh -> () -> {
            if (!fresh.digest().equals(first)) {
                throw new IllegalStateException("install bug");
            }
        });
        List<ReloadResult> seen = new CopyOnWriteArrayList<>();
        reloader.onReload(seen::add);
        Path pidFile = tmp.resolve("p9gate.pid");
        ReloadOutcomeFile.reportBeside(pidFile, holder, reloader, List::of);
        try (ShareServerFactory shares = fx.shares(holder);
                TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            Files.writeString(fx.policyFile, fx.policy(DENY_NOTES));

            ReloadResult.Kept kept = assertInstanceOf(ReloadResult.Kept.class, reloader.reload());

            assertEquals(first, kept.digest());
            assertEquals(first, holder.current().digest(), "what is reported is what is in force");
            s.walk(TestSession.ROOT, 1, "notes.txt");
            s.lopen(1, O_WRONLY);
            ReloadOutcomeFile.Outcome outcome =
                    ReloadOutcomeFile.read(ReloadOutcomeFile.beside(pidFile)).orElseThrow();
            assertEquals(List.of(false, first), List.of(outcome.taken(), outcome.digest()));
            assertTrue(outcome.reason().contains("install bug"), outcome.reason());
        }
        assertEquals(1, seen.size());
    }

    /**
     * SIGHUP reloads. The signal comes from {@code kill}: {@code p9gate policy reload} signals only a
     * {@code p9gate serve} process, which this test JVM is not (the command, and the outcome it waits for beside the
     * pid file, against a real serve: cli.PolicyReloadOutcomeTest).
     */
    @Test
    void aSighupReloadsThePolicy() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        java.util.concurrent.BlockingQueue<ReloadResult> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        reloader.onReload(seen::add);
        reloader.reloadOnSighup();
        Files.writeString(fx.policyFile, fx.policy(DENY_NOTES));

        Process kill = new ProcessBuilder(
                        "kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
                .inheritIO()
                .start();

        assertEquals(0, kill.waitFor());
        ReloadResult result = seen.poll(30, java.util.concurrent.TimeUnit.SECONDS);
        assertInstanceOf(ReloadResult.Loaded.class, result);
        assertEquals(holder.current().digest(), ((ReloadResult.Loaded) result).newDigest());
        assertTrue(holder.current().rules().stream().anyMatch(r -> r.id().endsWith("rules.notes-frozen")));
    }
}

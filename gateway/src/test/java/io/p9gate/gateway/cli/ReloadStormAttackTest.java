package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.ReloadOutcomeFile;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, R-AUD-1): reloads that overlap. The JVM runs every SIGHUP on a thread of its own, so two
 * operators (a {@code systemctl reload} and a configuration tool) or a loop sending SIGHUP start reloads that run at
 * once. The engine swap is serialised, but what follows it (quota rescan, the audit record of the new digest, the
 * outcome {@code policy reload} waits for) ran unserialised: a reload whose rescan was slow wrote its record after a
 * later reload's, so the audit log's last {@code policy_reload} named a policy no longer in force, and a storm of N
 * signals made N reloads, each rescanning every quota scope.
 */
@Timeout(60)
class ReloadStormAttackTest {
    @TempDir
    Path tmp;

    @Test
    void theLastReloadRecordNamesThePolicyInForce() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        SlowFirstReload slow = new SlowFirstReload(); // its rescan, say, is long: it pauses after its swap
        reloader.onReload(slow);
        SessionGuards guards = PolicyServe.guards(holder, reloader, OwnershipMode.XATTR);
        LifecycleRecords records = LifecycleRecords.of(reloader);

        Files.writeString(fx.policyFile, fx.policy("", "1MiB"));
        Thread first = Thread.ofPlatform().start(reloader::reload);
        slow.reached.await();
        String firstDigest = holder.current().digest();
        Files.writeString(fx.policyFile, fx.policy("", "2KiB"));
        Thread second = Thread.ofPlatform().start(reloader::reload);
        doneOrWaiting(second); // the second reload finished, or waits for the first to finish
        slow.goOn.countDown();
        first.join();
        second.join();

        String inForce = holder.current().digest();
        assertTrue(!inForce.equals(firstDigest), "the second file is in force");
        assertEquals(
                List.of(firstDigest, inForce), records.digests(), "the records in the order the policies took over");
        assertEquals(
                2048,
                guards.quotas().use().getFirst().spec().maxBytes(),
                "the quota books are those of the policy in force");
    }

    @Test
    void aStormOfSighupsWhileAReloadRunsMakesOneMoreReload() throws Exception {
        PolicyReloader reloader = new PolicyReloader(new PolicyFixture(tmp).holder());
        SlowFirstReload slow = new SlowFirstReload();
        reloader.onReload(slow);
        Thread running = Thread.ofPlatform().start(reloader::requestReload);
        slow.reached.await();

        int storm = 50;
        List<Thread> signals = new ArrayList<>();
        for (int i = 0; i < storm; i++) { // as the JVM does: one thread per SIGHUP
            signals.add(Thread.ofPlatform().start(reloader::requestReload));
        }
        signals.forEach(ReloadStormAttackTest::doneOrWaiting); // each signal handled, or waiting for the reload
        slow.goOn.countDown();
        running.join();
        for (Thread t : signals) {
            t.join();
        }

        assertEquals(2, slow.calls.get(), "the reload running, then one reload for every signal that came meanwhile");
    }

    /**
     * {@code p9gate policy reload} (systemctl reload) run while a reload is under way, one that read the file before
     * the operator's edit (a long quota rescan, another operator's reload): the command's SIGHUP is served by one more
     * reload, but the command took the first outcome of a later generation than it saw, the running reload's, and said
     * "policy reloaded", exit 0, of the old file, while the edited one was refused unreported.
     */
    @Test
    void aReloadAskedWhileAnotherRunsIsAnsweredByAReloadOfTheFileAsEdited() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        SlowFirstReload slow = new SlowFirstReload();
        reloader.onReload(slow);
        Path outcomes = reportingOutcomes(holder, reloader);
        List<ReloadOutcomeFile.Outcome> written = new CopyOnWriteArrayList<>(); // each outcome, as a poll could see it
        reloader.onReload(result -> written.add(read(outcomes)));

        Files.writeString(fx.policyFile, fx.policy("", "1MiB"));
        Thread running = Thread.ofPlatform().start(reloader::requestReload);
        slow.reached.await(); // it read the file above and is held in its listeners

        Files.writeString(fx.policyFile, "image: test\nvms: [not, a, map]\n"); // the operator's edit, refused
        long before = read(outcomes).answeredAfter(); // what the command reads before it signals
        Thread signal = Thread.ofPlatform().start(reloader::requestReload);
        doneOrWaiting(signal);
        slow.goOn.countDown();
        running.join();
        signal.join();

        ReloadOutcomeFile.Outcome answer = written.stream()
                .filter(o -> o.generation() > before)
                .findFirst()
                .orElseThrow();
        assertFalse(answer.taken(), "the command's answer is the edited file's refusal: " + answer);
        assertTrue(answer.reason().contains(fx.policyFile + ":2:"), answer.reason());
    }

    /**
     * A reload listener that fails (a bug, a connection close that throws) left the line {@code reloading} in the
     * outcome file for ever, since the outcome's listener runs last: every later {@code policy reload} then waited past
     * its own reload's generation, and each reload, taken, was reported as "did not report the reload" (exit 1) until
     * the gateway restarted. A failing listener is logged; the others, the outcome's among them, still run.
     */
    @Test
    void aListenerThatFailsLeavesNoReloadUnderWayForEver() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        AtomicInteger failures = new AtomicInteger();
        reloader.onReload(result -> {
            if (failures.getAndIncrement() == 0) {
                throw new IllegalStateException("a listener's bug");
            }
        });
        Path outcomes = reportingOutcomes(holder, reloader);

        Files.writeString(fx.policyFile, fx.policy("", "1MiB"));
        try {
            reloader.reload();
        } catch (IllegalStateException e) {
            // what the signal's thread saw before: the reload ended there
        }
        long before = read(outcomes).answeredAfter(); // the next command's look
        Files.writeString(fx.policyFile, fx.policy("", "2KiB"));
        reloader.reload();

        ReloadOutcomeFile.Outcome answer = read(outcomes);
        assertTrue(answer.generation() > before, "the next command is answered by its reload: " + answer);
        assertTrue(answer.taken() && answer.digest().equals(holder.current().digest()), answer.toString());
    }

    /** The outcome file a gateway started with --pid-file keeps, its listener registered after the test's. */
    private Path reportingOutcomes(PolicyHolder holder, PolicyReloader reloader) throws java.io.IOException {
        ReloadOutcomeFile.reportBeside(tmp.resolve("p9gate.pid"), holder, reloader, List::of);
        return ReloadOutcomeFile.beside(tmp.resolve("p9gate.pid"));
    }

    private static ReloadOutcomeFile.Outcome read(Path outcomes) {
        try {
            return ReloadOutcomeFile.read(outcomes).orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Until {@code t} has ended or waits for a lock or a latch (no clock: a state the thread reaches). */
    private static void doneOrWaiting(Thread t) {
        while (t.getState() != Thread.State.TERMINATED
                && t.getState() != Thread.State.WAITING
                && t.getState() != Thread.State.BLOCKED) {
            Thread.onSpinWait();
        }
    }

    /** A reload listener that holds the first reload, after its swap, until {@link #goOn}; counts the reloads. */
    private static final class SlowFirstReload implements Consumer<PolicyHolder.ReloadResult> {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch goOn = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void accept(PolicyHolder.ReloadResult result) {
            if (calls.incrementAndGet() == 1) {
                reached.countDown();
                try {
                    goOn.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}

package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.policyadapter.GatewayMutation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import io.p9gate.gateway.testing.ForwardingPeerIdentifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the policy gives a VM {@code limits.connections}, the suite skips (or tries again) a check whose new connection
 * the gateway closes at accept, taking the close for that limit reached. The gateway records each close for the limit
 * (rule {@code budget.connections}, docs/policy.md): a gateway closing every third connection of a VM whose limit is
 * 64, with no record, had its protocol/* checks retried into passes and its fills skipped, and never failed. (Every
 * second one also made the two checks that open a second connection after a close fail, by chance: each try's
 * second connection was the one closed.)
 * Each close the suite met must now be one of the VM's recorded refusals.
 */
class UnrecordedAcceptCloseComplianceTest {
    private static final int HOST_BASE = 200000;

    @TempDir
    Path tmp;

    @Test
    void everyThirdConnectionClosedWithoutARecordFails() throws Exception {
        Path policy = policyWithConnectionLimit();
        AtomicInteger fired = new AtomicInteger();
        SuiteRun run =
                SuiteRun.mutated(policy, tmp, GatewayMutation.ofPeers(peers -> new EveryThirdClosed(peers, fired)));
        System.out.println("every third connection closed unrecorded: closed " + fired.get() + ", exit "
                + run.exitCode() + ": " + String.join(" | ", run.lines("FAIL")));
        assertTrue(fired.get() > 1, run::describe);
        assertUnrecordedClosesFail(run);
    }

    /**
     * The same gateway while the live VM is at its limit: the gateway records the live VM's refusals (rule
     * budget.connections, peer its own process), not the suite's. Before, the suite counted every budget.connections
     * refusal of the VM against its own closes (the records carry no session): the live VM's covered the suite's
     * unrecorded closes and the run passed (exit 0). A refusal names its peer: only the suite's own count.
     */
    @Test
    void theLiveVmsRefusalsDoNotCoverTheSuitesUnrecordedCloses() throws Exception {
        Path policy = policyWithConnectionLimit();
        AtomicInteger fired = new AtomicInteger();
        AtomicReference<AuditTrail> trail = new AtomicReference<>();
        AtomicInteger liveRefusals = new AtomicInteger();
        // The live VM's process: another pid than the suite's (its QEMU, say), refused now and then.
        long livePid = ProcessHandle.current().parent().orElseThrow().pid();
        String livePeer = "unix:" + tmp.resolve("vm1.sock") + " pid=" + livePid + " uid=0";
        ScheduledExecutorService liveVm = Executors.newSingleThreadScheduledExecutor();
        liveVm.scheduleAtFixedRate(
                () -> {
                    AuditTrail t = trail.get();
                    if (t == null) {
                        return;
                    }
                    try {
                        t.record(AuditEntry.refusedConnection(
                                "vm1",
                                "connection refused: " + DetailWords.peer(livePeer),
                                Decision.deny(Errno.ECONNREFUSED, List.of("budget.connections")),
                                Errno.ECONNREFUSED));
                        t.writeHeld();
                        liveRefusals.incrementAndGet();
                    } catch (P9Exception e) {
                        throw new IllegalStateException(e);
                    }
                },
                0,
                100,
                TimeUnit.MILLISECONDS);
        SuiteRun run;
        try {
            run = SuiteRun.mutated(
                    policy,
                    tmp,
                    new GatewayMutation(
                            GatewayMutation.NONE.policy(),
                            signed -> {
                                trail.set(signed);
                                return signed;
                            },
                            GatewayMutation.NONE.quotas(),
                            GatewayMutation.NONE.ids(),
                            false,
                            GatewayMutation.NONE.replies(),
                            GatewayMutation.NONE.auditOptions(),
                            GatewayMutation.NONE.sessions(),
                            peers -> new EveryThirdClosed(peers, fired)));
        } finally {
            liveVm.shutdownNow();
        }
        System.out.println("every third connection closed unrecorded, the live VM refused " + liveRefusals.get()
                + " times: closed " + fired.get() + ", exit " + run.exitCode() + ": "
                + String.join(" | ", run.lines("FAIL")));
        assertTrue(fired.get() > 1, run::describe);
        assertTrue(liveRefusals.get() > fired.get(), run::describe);
        assertUnrecordedClosesFail(run);
    }

    /**
     * A gateway that records none of the connections its budget closes: the listener/connections check's own
     * connection over the limit is such a close. Before, that check passed on the close alone and nothing asked for
     * its record (exit 0).
     */
    @Test
    void theConnectionChecksOwnCloseMustBeRecorded() throws Exception {
        AtomicInteger dropped = new AtomicInteger();
        SuiteRun run = SuiteRun.mutated(
                policyWithConnectionLimit(),
                tmp,
                GatewayMutation.ofAudit(t -> new Mutants.Recording(
                        t, e -> e.decision().ruleIds().contains("budget.connections") ? null : e, dropped)));
        System.out.println("budget refusals not recorded: dropped " + dropped.get() + ", exit " + run.exitCode() + ": "
                + String.join(" | ", run.lines("FAIL")));
        assertTrue(dropped.get() > 0, run::describe);
        assertTrue(run.out().contains("pass R-ROB-2   vm1/listener/connections"), run::describe);
        assertUnrecordedClosesFail(run);
    }

    /**
     * A faithful gateway in another PID namespace (a container; or the suite in one): every peer it records names the
     * suite's process by the pid it sees there, not the one the suite knows itself by. The suite's own closes at
     * accept (listener/connections' last one) are recorded, with that pid. Before, the suite compared them with its own
     * pid and left every one out: audit/records failed ("the gateway closed 1 new connection of vm1 at accept ...
     * the log records 0"), exit 1.
     */
    @Test
    void aFaithfulGatewayInAnotherPidNamespacePasses() throws Exception {
        AtomicInteger rewritten = new AtomicInteger();
        SuiteRun run = SuiteRun.mutated(
                policyWithConnectionLimit(), tmp, GatewayMutation.ofAudit(t -> otherPidNamespace(t, rewritten)));
        System.out.println("gateway in another pid namespace: " + rewritten.get() + " peers rewritten, exit "
                + run.exitCode() + ": " + String.join(" | ", run.lines("FAIL")));
        assertTrue(rewritten.get() > 1, run::describe);
        assertTrue(run.out().contains("pass R-ROB-2   vm1/listener/connections"), run::describe);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
    }

    /**
     * Records every peer of the suite's process (its sessions and its refused connections) with the pid a gateway in
     * another PID namespace sees for it.
     */
    private static AuditTrail otherPidNamespace(AuditTrail trail, AtomicInteger rewritten) {
        String own = "pid=" + ProcessHandle.current().pid() + " ";
        String seen = "pid=7 ";
        return new Mutants.Recording(
                trail,
                e -> e.request().detail().contains(DetailWords.word(own))
                        ? new AuditEntry(
                                e.tag(),
                                e.message(),
                                e.request()
                                        .withDetail(e.request()
                                                .detail()
                                                .replace(DetailWords.word(own), DetailWords.word(seen))),
                                e.decision(),
                                e.outcome(),
                                e.phase(),
                                e.intentSeq())
                        : e,
                event -> event instanceof GatewayEvent.SessionOpened o
                                && o.peer().contains(own)
                        ? new GatewayEvent.SessionOpened(
                                o.vm(), o.session(), o.peer().replace(own, seen))
                        : event,
                rewritten);
    }

    /** vm1 with limits.connections 64, a read-write share owned by a mapped id. */
    private Path policyWithConnectionLimit() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.setAttribute(share, "unix:uid", HOST_BASE);
        Files.setAttribute(share, "unix:gid", HOST_BASE);
        return Files.writeString(tmp.resolve("policy.yaml"), """
                image: one-vm
                vms:
                  vm1:
                    listen: unix:%1$s
                    limits: {connections: 64}
                    ids:
                      uid: {ranges: [{guest: 0, host: %2$d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %2$d, count: 65536}]}
                    shares:
                      data: {path: %3$s, access: read-write}
                """.formatted(tmp.resolve("vm1.sock"), HOST_BASE, share));
    }

    private static void assertUnrecordedClosesFail(SuiteRun run) {
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), run::describe);
        assertTrue(
                run.lines("FAIL").stream()
                        .anyMatch(l -> l.contains("R-AUD-1   vm1/audit/records")
                                && l.contains(" of vm1 at accept")
                                && l.contains("budget.connections")),
                run::describe);
    }

    /** Refuses every third connection at accept without the record {@link PeerIdentifier} promises. */
    private record EveryThirdClosed(PeerIdentifier inner, AtomicInteger seen, AtomicInteger fired)
            implements ForwardingPeerIdentifier {
        EveryThirdClosed(PeerIdentifier inner, AtomicInteger fired) {
            this(inner, new AtomicInteger(), fired);
        }

        @Override
        public PeerVerdict identify(ListenSpec listener, PeerFacts peer) {
            if (seen.incrementAndGet() % 3 == 0) {
                fired.incrementAndGet();
                return new PeerVerdict.Refused("vm1", "budget.connections", "closed, not recorded");
            }
            return inner.identify(listener, peer);
        }
    }
}

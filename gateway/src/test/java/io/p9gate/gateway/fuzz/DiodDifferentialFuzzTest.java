package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.guest.DiodServer;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.testing.LoggedLines;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded differential fuzzer of 9P2000.L: the same random sequence of requests (walks with {@code ..}, opens with
 * odd flags, I/O at odd offsets and counts, attributes, entries, xattrs, locks, clunked and unknown fids, flushes)
 * over two connections to {@code serve --share} (bare p9gate), to p9gate with a permissive policy and the signed
 * audit log, and to diod, each on its own copy of one fresh tree. Bare p9gate is the reference: the audited
 * gateway must answer exactly as it does, diod must too except where {@link AcceptedDifferences} says why not.
 * Afterwards the trees must be alike, every decided request must have left exactly one decision record, the log
 * must verify, no descriptor may be left in a share once every fid is clunked, and nothing may be logged as a bug.
 *
 * <p>By default seeds 100 to 129, {@value #DEFAULT_REQUESTS} requests each (under a minute). {@code
 * -Dp9gate.fuzz.seeds=N} runs seeds S..S+N-1 instead ({@code -Dp9gate.fuzz.firstSeed=S}, default 100), {@code
 * -Dp9gate.fuzz.requests=M} requests per seed, {@code -Dp9gate.fuzz.trace=true} prints every request and reply.
 * Needs diod (apt-get install diod) and root; skipped, saying so, without them. docs/testing.md lists what it found.
 */
class DiodDifferentialFuzzTest {
    private static final int CONNECTIONS = 2;
    /** The msize each connection asks for. */
    static final int MSIZE = 65536;

    private static final int DEFAULT_REQUESTS = 500;
    private static final int REQUESTS = Integer.getInteger("p9gate.fuzz.requests", DEFAULT_REQUESTS);
    /**
     * Seeds 100-129: every difference of their runs with diod is judged (AcceptedDifferences, as for 100-139); 30
     * seeds of 500 requests stay under a minute on 2 loaded cores (40 took 41-59 s).
     */
    private static final long DEFAULT_FIRST_SEED = 100;

    private static final int DEFAULT_SEED_COUNT = 30;

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        int count = Integer.getInteger("p9gate.fuzz.seeds", DEFAULT_SEED_COUNT);
        long first = Long.getLong("p9gate.fuzz.firstSeed", DEFAULT_FIRST_SEED);
        return LongStream.range(first, first + count).boxed();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void p9gateAnswersAsDiodAndAsItselfUnderPolicyAndAudit(long seed) throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/diod")),
                "diod is not installed (/usr/sbin/diod; apt-get install diod): the differential fuzzer compares"
                        + " p9gate's replies with diod's and is skipped without it");
        assumeTrue("root".equals(System.getProperty("user.name")), "diod serves per-user attaches only as root");
        Path bareTree = FuzzTree.make(tmp.resolve("bare"), seed);
        Path auditedTree = FuzzTree.make(tmp.resolve("audited"), seed);
        Path diodTree = FuzzTree.make(tmp.resolve("diod"), seed);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        Path bareSocket = tmp.resolve("bare.sock");
        Path auditedSocket = tmp.resolve("audited.sock");
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: fuzz
                vms:
                  fuzz:
                    listen: unix:%s
                    # As bare p9gate serves ids (as they are): without a map every guest id is overflow, and a
                    # set-id chmod of a file whose owner the map does not name is EPERM (KeptSetIdAcrossVmsAttackTest).
                    ids:
                      uid: {ranges: [{guest: 0, host: 0, count: 4294967295}]}
                      gid: {ranges: [{guest: 0, host: 0, count: 4294967295}]}
                    shares:
                      data:
                        path: %s
                        access: read-write
                """.formatted(auditedSocket, auditedTree));
        SignedLogs logs = SignedLogs.in(tmp);
        List<String> problems = new ArrayList<>();
        DifferentialRun run;
        try (LoggedLines logged = new LoggedLines("io.p9gate")) {
            SignedAuditTrail trail = logs.open();
            PolicyHolder holder = PolicyHolder.load(policy);
            try (ShareServerFactory bareShares = new ShareServerFactory(Map.of("data", bareTree));
                    ShareServerFactory auditedShares = PolicyServed.shares(holder, trail);
                    Gateway _ = Gateway.start(new GatewayConfig(
                            List.of(ListenSpec.parse("unix:" + bareSocket)),
                            bareShares,
                            GatewayConfig.DEFAULT_MSIZE,
                            2));
                    Gateway _ = Gateway.start(new GatewayConfig(
                            PolicyListeners.of(holder.current()), auditedShares, GatewayConfig.DEFAULT_MSIZE, 2));
                    DiodServer diod = DiodServer.start(diodTree, tmp.resolve("diod.log"));
                    Target bare = new Target(
                            "p9gate-bare",
                            bareTree,
                            "data",
                            UnixDomainSocketAddress.of(bareSocket),
                            CONNECTIONS,
                            false);
                    Target audited = new Target(
                            "p9gate-audited",
                            auditedTree,
                            "data",
                            UnixDomainSocketAddress.of(auditedSocket),
                            CONNECTIONS,
                            true);
                    Target reference = new Target("diod", diodTree, diod.aname(), diod.address(), CONNECTIONS, false)) {
                run = new DifferentialRun(seed, List.of(bare, audited, reference));
                run.run(REQUESTS, CONNECTIONS);
                problems.addAll(run.divergences);
                run.clunkAll(CONNECTIONS);
                for (Target t : List.of(bare, audited)) {
                    long left = descriptorsUnder(t.tree);
                    if (left != 0) {
                        problems.add(
                                t.name + " holds " + left + " descriptors in its share after every fid was clunked");
                    }
                }
            } finally {
                trail.close();
            }
            logged.startingWith("").stream()
                    .filter(l -> l.contains("(bug)") || l.contains("xception"))
                    .forEach(l -> problems.add("logged: " + l));
        }
        Map<String, String> expected = FuzzTree.shape(bareTree);
        if (run.followed(1)) {
            FuzzTree.differences(FuzzTree.withoutIds(expected), FuzzTree.withoutIds(FuzzTree.shape(auditedTree)))
                    .forEach(d -> problems.add("audited tree: " + d));
        }
        if (run.followed(2)) {
            // Set-id bits of files apart (seed 1055: a guest's chmod 04755 kept by diod on the host file).
            FuzzTree.differences(
                            FuzzTree.withoutFileSetIds(expected), FuzzTree.withoutFileSetIds(FuzzTree.shape(diodTree)))
                    .forEach(d -> problems.add("diod tree: " + d));
        }
        problems.addAll(AuditExpectations.check(run.sent, logs.records()));
        SignedLogs.Verified verified = logs.verify();
        if (verified.exit() != 0) {
            problems.add("audit verify exit " + verified.exit() + ": " + verified.output());
        }
        System.out.println("seed " + seed + ": " + run.sent.size() + " requests, " + run.accepted[0]
                + " accepted differences from diod, " + problems.size() + " problems"
                + (run.lostDiod == null ? "" : "; " + run.lostDiod));
        assertEquals(List.of(), problems, "seed " + seed);
    }

    /** Descriptors of this process (the gateways run in it) that point into {@code tree}. */
    private static long descriptorsUnder(Path tree) throws Exception {
        return descriptorsUnder(tree, java.util.Set.of(tree));
    }

    /** As {@link #descriptorsUnder(Path)}, but the roots of every share served from {@code tree} stay open. */
    static long descriptorsUnder(Path tree, java.util.Set<Path> shareRoots) throws Exception {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    // The share's root stays open while the gateway serves it (backend.ShareRoot).
                    if (target.startsWith(tree) && !shareRoots.contains(target)) {
                        System.out.println("left open: " + target);
                        n++;
                    }
                } catch (java.io.IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }
}

package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded policy-aware fuzzer: a hostile VM whose policy has every kind of rule (hidden and read-only subtrees, deny
 * rules, a small quota, a uid/gid map, {@code limits:}) sends {@link HostileSequence}'s requests, aimed at the
 * boundaries of {@link HostileTree}, over two connections, while a well-behaved VM shares a directory inside the
 * hostile VM's share with protected places of its own. No reference server: invariants are the oracles.
 *
 * <ul>
 *   <li>after every request: the protected subtrees are unchanged on the host (bytes, mode, owner, xattrs, link
 *       counts, inode numbers); no reply holds a hidden inode's qid or any secret byte; no reply is EIO, a hang or a
 *       dropped connection; the quota's live usage is within its limits; a hidden name that exists and one that does
 *       not are answered alike;
 *   <li>at the end of each seed: the quota's usage equals a recount of the host tree; every file the hostile VM made
 *       or changed the owner of belongs to its mapped host ids; no descriptor is left open in the share; the
 *       well-behaved VM's fixed workload gets correct answers; one decision record per decided request, the signed
 *       log verifies, nothing is logged as a bug.
 * </ul>
 *
 * <p>By default seeds 500 to 519, {@value #DEFAULT_REQUESTS} scripts each. {@code -Dp9gate.policyfuzz.seeds=N} and
 * {@code -Dp9gate.policyfuzz.firstSeed=S} run seeds S..S+N-1, {@code -Dp9gate.policyfuzz.requests=M} scripts per
 * seed, {@code -Dp9gate.policyfuzz.trace=true} prints every request and reply. Needs root (the hostile VM's files are
 * chowned to its mapped ids); skipped without it. docs/testing.md says what it found.
 */
class PolicyFuzzTest {
    private static final int CONNECTIONS = 2;
    private static final int DEFAULT_REQUESTS = 300;
    private static final int REQUESTS = Integer.getInteger("p9gate.policyfuzz.requests", DEFAULT_REQUESTS);
    /** The hostile VM's host ids: guest 0..65535 map to these. */
    private static final long HOST_FIRST = 200_000;

    private static final long HOST_END = HOST_FIRST + 65_536;

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        return HostileVm.seeds("policyfuzz", 20, 500);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aHostileVmNeverCrossesItsPolicyNorHurtsAnotherVm(long seed) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the hostile VM's files are chowned: needs root");
        List<String> problems = oneSeed(tmp, seed, Dialect.L, REQUESTS);
        System.out.println("policy fuzz seed " + seed + ": " + problems.size() + " problems");
        assertEquals(List.of(), problems, "seed " + seed);
    }

    /**
     * One seed of {@code scripts} scripts, the hostile VM speaking {@code dialect} ({@link LegacyRequests} in 9P2000.u
     * and 9P2000); the problems the oracles found.
     */
    static List<String> oneSeed(Path tmp, long seed, Dialect dialect, int scripts) throws Exception {
        return oneSeed(tmp, seed, dialect, scripts, 1);
    }

    /**
     * As {@link #oneSeed(Path, long, Dialect, int)}, with {@code drivers} threads each sending a sequence of its own
     * on two connections of the hostile VM at once: the same identity racing itself on the same names. With more
     * than one, the quota's usage is checked against a recount only at the end and twins are not compared (another
     * thread may change the names between the two).
     */
    static List<String> oneSeed(Path tmp, long seed, Dialect dialect, int scripts, int drivers) throws Exception {
        Path tree = HostileTree.make(tmp.resolve("tree"), seed);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path policy = tmp.resolve("policy.yaml");
        Path hostileSocket = tmp.resolve("hostile.sock");
        Path goodSocket = tmp.resolve("good.sock");
        Files.writeString(policy, policyText(tree, hostileSocket, goodSocket));
        Map<Long, long[]> ownersBefore = HostileTree.owners(tree, new java.util.HashMap<>());
        HostileVm.Run run = new HostileVm.Run();
        SignedLogs logs;
        List<HostileVm> hostiles = new ArrayList<>();
        try (FuzzGateway gateway = FuzzGateway.start(tmp, policy);
                P9Client good = P9Client.open(UnixDomainSocketAddress.of(goodSocket), 65536)) {
            logs = gateway.logs;
            good.timeout(java.time.Duration.ofSeconds(10));
            for (int d = 0; d < drivers; d++) {
                Target target =
                        new Target("hostile", tree, "h", UnixDomainSocketAddress.of(hostileSocket), CONNECTIONS, true);
                HostileVm hostile = new HostileVm(
                        "hostile", target, oracles(tree, gateway.quotas, drivers == 1), d * CONNECTIONS, dialect);
                hostiles.add(hostile);
                // One connection after the other, so that the log's sessions are told apart by their first record.
                hostile.attach("h");
            }
            HostileVm.driveAtOnce(hostiles, d -> seed + 1_000_000L * d, scripts, drivers == 1);
            for (HostileVm hostile : hostiles) {
                run.add(hostile.run);
                hostile.oracles.atEnd(ownersBefore, path -> List.of(new long[] {HOST_FIRST, HOST_END}));
            }
            run.problems.addAll(WellBehavedWorkload.run(good, tree.resolve("w"), seed));
            long left = DiodDifferentialFuzzTest.descriptorsUnder(tree, Set.of(tree, tree.resolve("w")));
            if (left != 0) {
                run.problems.add(left + " descriptors left open in the share once every fid was clunked");
            }
            hostiles.forEach(h -> h.target.close());
            run.problems.addAll(gateway.stop());
        }
        List<AuditRecord> mine = HostileVm.recordsOf("hostile", logs.records());
        run.problems.addAll(
                AuditExpectations.check(HostileVm.withoutSummarizedWalks(run, mine), mine, HostileVm::composite));
        if (dialect != Dialect.L) {
            // LegacyRequests says each request in the dialect's own layout: one the gateway could not read was never
            // asked (a 9P2000 Twstat in a .u session is malformed), and the fuzzer would pass without trying it.
            run.sent.stream()
                    .filter(s -> s.shape().equals("Rlerror EPROTO"))
                    .forEach(s -> run.problems.add("malformed in " + dialect.version() + ": " + s.label()));
        }
        SignedLogs.Verified verified = logs.verify();
        if (verified.exit() != 0) {
            run.problems.add("audit verify exit " + verified.exit() + ": " + verified.output());
        }
        System.out.println("policy fuzz seed " + seed + " (" + dialect.version() + ", " + drivers + " x " + CONNECTIONS
                + " connections): " + run.sent.size() + " requests, " + run.problems.size() + " problems");
        // A sweep may be stopped before surefire writes its report: the problems are in the output as they come.
        run.problems.forEach(p -> System.out.println("  problem, seed " + seed + ": " + p));
        return run.problems;
    }

    /** The hostile VM's oracles: {@link HostileTree}'s protected and hidden places, its quota, alone in its scope. */
    private static HostileVm.Oracles.Config oracles(Path tree, PolicyQuotas quotas, boolean alone) throws IOException {
        return new HostileVm.Oracles.Config(
                tree,
                HostileTree.PROTECTED,
                HostileTree.hiddenInodes(tree),
                List.of(HostileTree.SECRET),
                new HostileVm.Oracles.Quota(
                        "hostile",
                        quotas,
                        tree.resolve(HostileTree.QUOTA),
                        HostileTree.QUOTA_BYTES,
                        HostileTree.QUOTA_INODES),
                alone);
    }

    private static String policyText(Path tree, Path hostileSocket, Path goodSocket) {
        return """
                image: policyfuzz
                vms:
                  hostile:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    limits: {fids: 40, descriptors: 40, xattr-bytes: 64KiB, locks: 8}
                    shares:
                      h:
                        path: %s
                        access: read-write
                        read-only: %s
                        hidden: %s
                        rules:
                          - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE], paths: ["/**/*.sh"]}
                          - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
                        quotas:
                          - {path: /%s, bytes: %d, inodes: %d}
                  good:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: 300000, count: 65536}]}
                    shares:
                      g:
                        path: %s
                        access: read-write
                        read-only: [/cfg]
                        hidden: [/private]
                """.formatted(
                        hostileSocket,
                        HOST_FIRST,
                        HOST_FIRST,
                        tree,
                        HostileTree.READ_ONLY,
                        HostileTree.HIDDEN,
                        HostileTree.QUOTA,
                        HostileTree.QUOTA_BYTES,
                        HostileTree.QUOTA_INODES,
                        goodSocket,
                        tree.resolve("w"));
    }
}

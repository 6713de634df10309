package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two hostile VMs and a well-behaved one at the same time, with different policies over the same host tree
 * ({@link HostileTree}). Alpha and beta share the whole tree: alpha holds {@code /q} under a quota and may write
 * there, which beta's policy hides; beta holds {@code /w} under a quota, which is the well-behaved VM's whole share
 * and read-only for alpha; each maps guest ids to its own host range. Both send {@link HostileSequence}'s scripts on
 * two connections each, on threads of their own, while the well-behaved VM works in {@code /w} and keeps writing
 * files whose names and bytes carry {@link HostileTree#SECRET} into {@code /w/gsecret}, hidden from both.
 *
 * <p>Oracles, per VM, that stay exact whatever the interleaving: after every request, no reply holds a qid of an
 * inode hidden from that VM (the well-behaved VM's new files included) nor a byte of its secrets ({@code /q/QMARK-note}
 * is beta's: alpha reads it); the places no VM may change are unchanged; alpha's quota (only alpha changes {@code /q})
 * is within its limits and not below a recount, beta's within its limits. At the end: both quotas equal a recount,
 * owners are in a map of a VM that may write there, no descriptor is left in the tree, each VM's decided requests
 * have one decision record each, alpha's log has no change made under its read-only {@code /w}, the log verifies,
 * nothing is logged as a bug; the well-behaved VM got every answer right throughout.
 *
 * <p>By default seeds 900 to 905, {@value #DEFAULT_SCRIPTS} scripts per hostile VM. {@code
 * -Dp9gate.crossvm.seeds=N}, {@code -Dp9gate.crossvm.firstSeed=S}, {@code -Dp9gate.crossvm.scripts=M}. Needs root.
 */
class CrossVmFuzzTest {
    private static final int CONNECTIONS = 2;
    private static final int DEFAULT_SCRIPTS = 200;
    private static final int SCRIPTS = Integer.getInteger("p9gate.crossvm.scripts", DEFAULT_SCRIPTS);
    private static final long ALPHA_IDS = 200_000;
    private static final long GOOD_IDS = 300_000;
    private static final long BETA_IDS = 400_000;
    private static final long RANGE = 65_536;
    /** In every byte of {@code /q/QMARK-note}: alpha may read it, beta must never. */
    static final String BETA_SECRET = "QMARK";

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        return HostileVm.seeds("crossvm", 6, 900);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void hostileVmsAtOnceNeverCrossTheirPoliciesNorHurtEachOther(long seed) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the hostile VMs' files are chowned: needs root");
        Path tree = HostileTree.make(tmp.resolve("tree"), seed);
        Files.writeString(
                tree.resolve("q/" + BETA_SECRET + "-note"), (BETA_SECRET + " alpha's, not beta's\n").repeat(8));
        Files.createDirectories(tree.resolve("w/gsecret"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, policyText(tree));
        Map<Long, long[]> ownersBefore = HostileTree.owners(tree, new HashMap<>());
        Set<Long> hidden = ConcurrentHashMap.newKeySet();
        hidden.addAll(HostileTree.hiddenInodes(tree));
        Set<Long> hiddenFromBeta = ConcurrentHashMap.newKeySet();
        hiddenFromBeta.addAll(hidden);
        hiddenFromBeta.add(ino(tree.resolve("q")));
        hiddenFromBeta.add(ino(tree.resolve("q/" + BETA_SECRET + "-note")));
        List<String> problems = new ArrayList<>();
        List<HostileVm> vms = new ArrayList<>();
        FuzzGateway gateway = FuzzGateway.start(tmp, policy);
        try (gateway;
                Target alphaConns = new Target("alpha", tree, "h", socket("alpha"), CONNECTIONS, true);
                Target betaConns = new Target("beta", tree, "h", socket("beta"), CONNECTIONS, true);
                P9Client good = P9Client.open(socket("good"), 65536)) {
            good.timeout(java.time.Duration.ofSeconds(10));
            HostileVm alpha = new HostileVm(
                    "alpha",
                    alphaConns,
                    new HostileVm.Oracles.Config(
                            tree,
                            protectedFromBoth(),
                            hidden,
                            List.of(HostileTree.SECRET),
                            new HostileVm.Oracles.Quota(
                                    "alpha",
                                    gateway.quotas,
                                    tree.resolve(HostileTree.QUOTA),
                                    HostileTree.QUOTA_BYTES,
                                    HostileTree.QUOTA_INODES),
                            true),
                    0,
                    Dialect.L);
            HostileVm beta = new HostileVm(
                    "beta",
                    betaConns,
                    new HostileVm.Oracles.Config(
                            tree,
                            protectedFromBoth(),
                            hiddenFromBeta,
                            List.of(HostileTree.SECRET, BETA_SECRET),
                            new HostileVm.Oracles.Quota(
                                    "beta", gateway.quotas, tree.resolve("w"), BETA_QUOTA_BYTES, BETA_QUOTA_INODES),
                            false),
                    0,
                    Dialect.L);
            vms.add(alpha);
            vms.add(beta);
            // One connection after the other, so that the log's sessions are told apart by their first record.
            for (HostileVm vm : vms) {
                vm.attach("h");
            }
            AtomicBoolean hostilesDone = new AtomicBoolean();
            ExecutorService threads = Executors.newSingleThreadExecutor();
            try {
                Future<List<String>> goodRun = threads.submit(() -> {
                    GoodNeighbour neighbour = new GoodNeighbour(good, tree.resolve("w"), seed, hidden, hiddenFromBeta);
                    return neighbour.runUntil(hostilesDone);
                });
                HostileVm.driveAtOnce(vms, i -> seed * 7 + i, SCRIPTS, true);
                hostilesDone.set(true);
                problems.addAll(goodRun.get());
            } finally {
                threads.shutdownNow();
            }
            for (HostileVm vm : vms) {
                vm.oracles.atEnd(ownersBefore, path -> owners(path));
            }
            long left = DiodDifferentialFuzzTest.descriptorsUnder(tree, Set.of(tree, tree.resolve("w")));
            if (left != 0) {
                problems.add(left + " descriptors left open in the tree once every fid was clunked");
            }
            problems.addAll(gateway.stop());
        }
        List<AuditRecord> records = gateway.logs.records();
        for (HostileVm vm : vms) {
            problems.addAll(vm.run.problems);
            List<AuditRecord> mine = HostileVm.recordsOf(vm.vm, records);
            AuditExpectations.check(HostileVm.withoutSummarizedWalks(vm.run, mine), mine).stream()
                    .map(p -> vm.vm + ": " + p)
                    .forEach(problems::add);
        }
        records.stream()
                .filter(r -> "alpha".equals(r.vm()) && changedUnder(r, "/w"))
                .forEach(r -> problems.add("alpha changed its read-only /w: " + r));
        var verified = gateway.logs.verify();
        if (verified.exit() != 0) {
            problems.add("audit verify exit " + verified.exit() + ": " + verified.output());
        }
        System.out.println("cross-VM fuzz seed " + seed + ": "
                + vms.stream().mapToInt(v -> v.run.sent.size()).sum() + " requests, " + problems.size() + " problems");
        assertEquals(List.of(), problems, "seed " + seed);
    }

    private static final long BETA_QUOTA_BYTES = 256 * 1024;
    private static final long BETA_QUOTA_INODES = 24;

    /** Subtrees that neither hostile VM may change, and the well-behaved VM leaves alone. */
    private static List<String> protectedFromBoth() {
        return List.of("vault", "d", "w/cfg", "w/private", HostileTree.QUOTA + "/" + BETA_SECRET + "-note");
    }

    /** The host id ranges of the VMs that may make a file at {@code path}, or give it an owner. */
    private static List<long[]> owners(String path) {
        List<long[]> out = new ArrayList<>(List.of(range(ALPHA_IDS), range(BETA_IDS)));
        if (path.startsWith("w/")) {
            out.add(range(GOOD_IDS));
        }
        return out;
    }

    private static long[] range(long first) {
        return new long[] {first, first + RANGE};
    }

    /** A decision record of a change made (allowed and done) at or under {@code place}. */
    private static boolean changedUnder(AuditRecord r, String place) {
        List<String> changes = List.of(
                "write", "create", "remove", "symlink", "mknod", "mkdir", "link", "rename", "setattr", "xattr_commit");
        return r.isDecision()
                && "allow".equals(r.decision())
                && (r.errno() == null || r.errno() == 0)
                && changes.contains(r.op())
                && r.path() != null
                && (r.path().equals(place) || r.path().startsWith(place + "/"));
    }

    private UnixDomainSocketAddress socket(String vm) {
        return UnixDomainSocketAddress.of(tmp.resolve(vm + ".sock"));
    }

    static long ino(Path p) throws java.io.IOException {
        return (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    private String policyText(Path tree) {
        return """
                image: crossvm
                vms:
                  alpha:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    limits: {fids: 40, descriptors: 40, xattr-bytes: 64KiB, locks: 8}
                    shares:
                      h:
                        path: %s
                        access: read-write
                        read-only: [/d, /w, /q/%s-note]
                        hidden: [/vault, /ghost, /w/private, /w/nohere, /w/gsecret]
                        rules:
                          - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE], paths: ["/**/*.sh"]}
                          - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
                          - {id: quota-stays, effect: deny, ops: [RENAME], paths: ["/q"]}
                        quotas:
                          - {path: /q, bytes: %d, inodes: %d}
                  beta:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    limits: {fids: 40, descriptors: 40, xattr-bytes: 64KiB, locks: 8}
                    shares:
                      h:
                        path: %s
                        access: read-write
                        read-only: [/d, /w/cfg, /w/gw]
                        hidden: [/vault, /ghost, /q, /w/private, /w/nohere, /w/gsecret]
                        rules:
                          - {id: no-scripts, effect: deny, ops: [CREATE, OPEN_WRITE], paths: ["/**/*.sh"]}
                          - {id: drop-box, effect: deny, ops: [OPEN_READ], paths: ["/drop/**"]}
                        quotas:
                          - {path: /w, bytes: %d, inodes: %d}
                  good:
                    listen: unix:%s
                    ids:
                      uid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                      gid: {ranges: [{guest: 0, host: %d, count: 65536}]}
                    shares:
                      g:
                        path: %s
                        access: read-write
                        read-only: [/cfg]
                        hidden: [/private]
                """.formatted(
                        tmp.resolve("alpha.sock"),
                        ALPHA_IDS,
                        ALPHA_IDS,
                        tree,
                        BETA_SECRET,
                        HostileTree.QUOTA_BYTES,
                        HostileTree.QUOTA_INODES,
                        tmp.resolve("beta.sock"),
                        BETA_IDS,
                        BETA_IDS,
                        tree,
                        BETA_QUOTA_BYTES,
                        BETA_QUOTA_INODES,
                        tmp.resolve("good.sock"),
                        GOOD_IDS,
                        GOOD_IDS,
                        tree.resolve("w"));
    }

    /**
     * The well-behaved VM while the hostile ones run: {@link WellBehavedWorkload} again and again, and between rounds
     * a new file in {@code /gsecret} whose name and bytes carry the secret, its inode added to what the hostile VMs
     * must never be shown. Its files there are removed at the end, once the hostile VMs are done, so that beta's
     * quota books, which count only beta's changes, meet a recount again.
     */
    private record GoodNeighbour(P9Client good, Path share, long seed, Set<Long> hidden, Set<Long> hiddenFromBeta) {
        private static final int ROOT = 10;
        private static final int DIR = 11;
        private static final int FILE = 12;

        List<String> runUntil(AtomicBoolean done) {
            List<String> problems = new ArrayList<>();
            List<String> made = new ArrayList<>();
            try {
                good.attach(ROOT, "root", "g", 0);
                good.walk(ROOT, DIR, "gsecret");
                for (int round = 0; !done.get() && problems.isEmpty(); round++) {
                    String name = HostileTree.SECRET + "-g" + round;
                    good.walk(DIR, FILE);
                    good.lcreate(FILE, name, 0102, 0600, 0);
                    long ino = ino(share.resolve("gsecret").resolve(name));
                    hidden.add(ino);
                    hiddenFromBeta.add(ino);
                    made.add(name);
                    good.write(
                            FILE,
                            0,
                            (HostileTree.SECRET + " of the well-behaved VM " + round + "\n")
                                    .repeat(4)
                                    .getBytes(StandardCharsets.UTF_8));
                    good.clunk(FILE);
                    problems.addAll(WellBehavedWorkload.run(good, share, seed * 1000 + round, true));
                }
                System.out.println("well-behaved VM: " + made.size() + " rounds beside the hostile VMs");
                for (String name : made) {
                    good.unlinkat(DIR, name, 0);
                }
                good.clunk(DIR);
                good.clunk(ROOT);
            } catch (Exception e) {
                problems.add("well-behaved VM: " + e);
            }
            return problems;
        }
    }
}

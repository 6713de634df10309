package io.p9gate.gateway.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBufUtil;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.policyadapter.SessionGuards;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.testing.LoggedLines;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.gateway.wiring.ThisProcess;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.quota.Usage;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
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
    private static final boolean TRACE = Boolean.getBoolean("p9gate.policyfuzz.trace");
    private static final long QID_INODE = (1L << 56) - 1;
    /** The hostile VM's host ids: guest 0..65535 map to these. */
    private static final long HOST_FIRST = 200_000;

    private static final long HOST_END = HOST_FIRST + 65_536;

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        int count = Integer.getInteger("p9gate.policyfuzz.seeds", 20);
        long first = Long.getLong("p9gate.policyfuzz.firstSeed", 500);
        return LongStream.range(first, first + count).boxed();
    }

    /** Everything a seed's run learned. */
    private static final class Run {
        final List<String> problems = new ArrayList<>();
        final List<DifferentialRun.Sent> sent = new ArrayList<>();
        boolean protectedChanged;
        boolean overQuota;
        boolean scriptChanged;
        /** Indices in {@link #sent} of walks answered with fewer qids than names. */
        final Set<Integer> partialWalks = new java.util.HashSet<>();
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aHostileVmNeverCrossesItsPolicyNorHurtsAnotherVm(long seed) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the hostile VM's files are chowned: needs root");
        Path tree = HostileTree.make(tmp.resolve("tree"), seed);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path policy = tmp.resolve("policy.yaml");
        Path hostileSocket = tmp.resolve("hostile.sock");
        Path goodSocket = tmp.resolve("good.sock");
        Files.writeString(policy, policyText(tree, hostileSocket, goodSocket));
        Map<String, String> protectedBefore = HostileTree.protectedShape(tree);
        Set<Long> hidden = HostileTree.hiddenInodes(tree);
        Map<Long, long[]> ownersBefore = HostileTree.owners(tree, new java.util.HashMap<>());
        SignedLogs logs = SignedLogs.in(tmp);
        Run run = new Run();
        try (LoggedLines logged = new LoggedLines("io.p9gate")) {
            SignedAuditTrail trail = logs.open();
            PolicyHolder holder = PolicyHolder.load(policy);
            PolicyQuotas quotas = new PolicyQuotas(holder.current());
            try (ShareServerFactory shares = new ShareServerFactory(
                            new PolicyShares(
                                    holder,
                                    new SessionGuards(
                                            holder::current, OwnershipMode.automatic(ThisProcess.INSTANCE), quotas)),
                            trail);
                    Gateway _ = Gateway.start(new GatewayConfig(
                            PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
                    Target hostile = new Target(
                            "hostile", tree, "h", UnixDomainSocketAddress.of(hostileSocket), CONNECTIONS, true);
                    P9Client good = P9Client.open(UnixDomainSocketAddress.of(goodSocket), 65536)) {
                good.timeout(java.time.Duration.ofSeconds(10));
                Oracles oracles = new Oracles(tree, protectedBefore, hidden, quotas, run);
                for (int c = 0; c < CONNECTIONS; c++) {
                    send(
                            hostile,
                            run,
                            oracles,
                            -1,
                            FuzzStep.of(c, "Tattach[fid=0]", t -> new TMessage.Tattach(0, -1, "root", "h", 0)));
                    for (int a = 0; a < HostileSequence.ANCHORS.size(); a++) {
                        TMessage walk = new TMessage.Twalk(0, HostileSequence.ROOT + a, HostileSequence.ANCHORS.get(a));
                        send(hostile, run, oracles, -1, FuzzStep.of(c, walk.toString(), t -> walk));
                    }
                }
                HostileSequence sequence = new HostileSequence(seed, CONNECTIONS);
                for (int i = 0; i < REQUESTS; i++) {
                    HostileSequence.Script script = sequence.next();
                    List<String> shapes = new ArrayList<>();
                    for (FuzzStep step : script.steps()) {
                        TMessage request = step.request().apply(hostile);
                        String shape = send(hostile, run, oracles, i, step);
                        shapes.add(shape);
                        sequence.answered(step.conn(), request, shape);
                    }
                    if (!script.twins().isEmpty()) {
                        String existing = shapes.get(script.twins().get(0));
                        String missing = shapes.get(script.twins().get(1));
                        if (!existing.equals(missing)) {
                            run.problems.add("seed " + seed + " script " + i + ": a hidden name that exists and one"
                                    + " that does not are told apart:\n    "
                                    + script.steps().get(script.twins().get(0)).label() + " -> " + existing + "\n    "
                                    + script.steps().get(script.twins().get(1)).label() + " -> " + missing);
                        }
                    }
                }
                for (int c = 0; c < CONNECTIONS; c++) {
                    for (int fid : allFids()) {
                        int conn = c;
                        send(
                                hostile,
                                run,
                                oracles,
                                -1,
                                FuzzStep.of(conn, "Tclunk[fid=" + fid + "]", t -> new TMessage.Tclunk(fid)));
                    }
                }
                run.problems.addAll(WellBehavedWorkload.run(good, tree.resolve("w"), seed));
                oracles.atEnd(ownersBefore, HOST_FIRST, HOST_END);
                long left = DiodDifferentialFuzzTest.descriptorsUnder(tree, Set.of(tree, tree.resolve("w")));
                if (left != 0) {
                    run.problems.add(left + " descriptors left open in the share once every fid was clunked");
                }
            } finally {
                trail.close();
            }
            logged.startingWith("").stream()
                    .filter(l -> l.contains("(bug)") || l.contains("xception"))
                    .forEach(l -> run.problems.add("logged: " + l));
        }
        List<AuditRecord> mine = logs.records().stream()
                .filter(r -> !"decision".equals(r.type()) || "hostile".equals(r.vm()))
                .toList();
        run.problems.addAll(AuditExpectations.check(withoutSummarizedWalks(run, mine), mine));
        SignedLogs.Verified verified = logs.verify();
        if (verified.exit() != 0) {
            run.problems.add("audit verify exit " + verified.exit() + ": " + verified.output());
        }
        System.out.println("policy fuzz seed " + seed + ": " + run.sent.size() + " requests, " + run.problems.size()
                + " problems");
        assertEquals(List.of(), run.problems, "seed " + seed);
    }

    /**
     * The requests the log must account for one by one. A walk that stops at a hidden or missing name answers Rwalk
     * but is a refusal, and repeated refusals may stand in one summary record (docs/audit-format.md, "Refusal
     * budget"), as a refused request answered Rlerror may: those without a record of their own are left out. A
     * Tclunk whose fid's file the host moved out of the share is recorded as refused by "confinement" (EACCES) and
     * answered Rclunk, the fid freed all the same (docs/filesystem.md): it is checked as the refusal its record says.
     * Any other clunk answered Rclunk must be recorded as the success it is.
     */
    private static List<DifferentialRun.Sent> withoutSummarizedWalks(Run run, List<AuditRecord> records) {
        Map<Long, Integer> connOfSession = new java.util.LinkedHashMap<>();
        Set<String> recorded = new java.util.HashSet<>();
        Map<String, io.p9gate.gateway.proto.Errno> confinedClunks = new java.util.HashMap<>();
        for (AuditRecord r : records) {
            if ("decision".equals(r.type())) {
                connOfSession.putIfAbsent(r.session(), connOfSession.size());
                String key = connOfSession.get(r.session()) + "/" + r.tag();
                recorded.add(key);
                if ("clunk".equals(r.op()) && List.of("confinement").equals(r.rules()) && r.errno() == 13) {
                    confinedClunks.put(key, io.p9gate.gateway.proto.Errno.of(r.errno()));
                }
            }
        }
        List<DifferentialRun.Sent> out = new ArrayList<>();
        for (int i = 0; i < run.sent.size(); i++) {
            DifferentialRun.Sent s = run.sent.get(i);
            String key = s.conn() + "/" + s.tag();
            if (s.label().startsWith("Tclunk") && confinedClunks.containsKey(key)) {
                out.add(new DifferentialRun.Sent(
                        s.conn(), s.tag(), s.label(), "Rlerror " + confinedClunks.get(key), s.flushed()));
            } else if (!run.partialWalks.contains(i) || recorded.contains(key)) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<Integer> allFids() {
        List<Integer> out = new ArrayList<>();
        for (int f = 0; f <= HostileSequence.TWIN; f++) {
            out.add(f);
        }
        for (int f : RequestSequence.UNUSED_FIDS) {
            out.add(f);
        }
        return out;
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

    /** Sends one step of the hostile VM, checks its reply and the host after it; returns the reply's shape. */
    private static String send(Target hostile, Run run, Oracles oracles, int index, FuzzStep step) {
        P9Client client = hostile.conns[step.conn()];
        TMessage request = step.request().apply(hostile);
        int tag = -1;
        String shape;
        try {
            PendingCall call = client.send(request);
            tag = call.tag();
            if (step.flush()) {
                shape = ReplyShape.of(client.rpc(new TMessage.Tflush(call.tag())));
                call.reply().thenAccept(reply -> {
                    oracles.leaks(step.label(), reply);
                    CodecBuffers.releasePayload(reply);
                });
            } else {
                RMessage reply = client.await(call);
                oracles.leaks(step.label(), reply);
                if (request instanceof TMessage.Twalk w
                        && reply instanceof RMessage.Rwalk(var qids)
                        && qids.size() < w.names().size()) {
                    run.partialWalks.add(run.sent.size());
                }
                shape = ReplyShape.of(reply);
                CodecBuffers.releasePayload(reply);
            }
        } catch (P9Exception e) {
            shape = "Rlerror " + e.errno();
        } catch (IOException e) {
            shape = "NO REPLY: " + e.getMessage();
        }
        if (TRACE) {
            System.out.println("trace " + index + " c" + step.conn() + " " + step.label() + " -> " + shape);
        }
        if (shape.startsWith("NO REPLY") || shape.equals("Rlerror EIO")) {
            run.problems.add("request " + index + ": " + step.label() + " answered " + shape
                    + " (a hang, a dropped connection or an unexpected fault)");
        }
        run.sent.add(new DifferentialRun.Sent(step.conn(), tag, step.label(), shape, step.flush()));
        oracles.afterRequest(index, step.label() + " -> " + shape);
        return shape;
    }

    /** The checks after each request and at the end of a seed. */
    private static final class Oracles {
        private final Path tree;
        private final Map<String, String> protectedBefore;
        private final Set<Long> hidden;
        private final PolicyQuotas quotas;
        private final Run run;
        /** run.sh as it was named at first, held open so that its inode is not given to another file. */
        private final java.nio.channels.FileChannel script;

        private final String scriptBefore;

        Oracles(Path tree, Map<String, String> protectedBefore, Set<Long> hidden, PolicyQuotas quotas, Run run)
                throws IOException {
            this.tree = tree;
            this.protectedBefore = protectedBefore;
            this.hidden = hidden;
            this.quotas = quotas;
            this.run = run;
            this.script = java.nio.channels.FileChannel.open(tree.resolve("run.sh"));
            this.scriptBefore = digest(script);
        }

        private static String digest(java.nio.channels.FileChannel file) throws IOException {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate((int) Math.min(file.size(), 1 << 20));
            file.read(bytes, 0);
            return FuzzTree.digest(bytes.array());
        }

        /** A reply must hold no hidden inode's qid and no secret byte. */
        void leaks(String label, RMessage reply) {
            List<Qid> qids = new ArrayList<>();
            String text = "";
            switch (reply) {
                case RMessage.Rwalk(var q) -> qids.addAll(q);
                case RMessage.Rattach(var q) -> qids.add(q);
                case RMessage.Rlopen(var q, var iounit) -> qids.add(q);
                case RMessage.Rlcreate(var q, var iounit) -> qids.add(q);
                case RMessage.Rmkdir(var q) -> qids.add(q);
                case RMessage.Rsymlink(var q) -> qids.add(q);
                case RMessage.Rmknod(var q) -> qids.add(q);
                case RMessage.Rgetattr(var a) -> qids.add(a.qid());
                case RMessage.Rreaddir(var entries) -> {
                    entries.stream().map(DirEntry::qid).forEach(qids::add);
                    text = entries.stream().map(DirEntry::name).toList().toString();
                }
                case RMessage.Rread(var data) ->
                    text = new String(ByteBufUtil.getBytes(data), StandardCharsets.ISO_8859_1);
                case RMessage.Rreadlink(var target) -> text = target;
                default -> {}
            }
            for (Qid q : qids) {
                if (hidden.contains(q.path() & QID_INODE)) {
                    run.problems.add("a hidden inode's qid in the reply to " + label + ": " + reply);
                }
            }
            if (text.contains(HostileTree.SECRET)) {
                run.problems.add("secret bytes in the reply to " + label + ": " + ReplyShape.of(reply));
            }
        }

        void afterRequest(int index, String what) {
            try {
                if (!run.protectedChanged) {
                    List<String> changed = FuzzTree.differences(protectedBefore, HostileTree.protectedShape(tree));
                    if (!changed.isEmpty()) {
                        run.protectedChanged = true;
                        run.problems.add("request " + index + " (" + what + ") changed a protected place: " + changed);
                    }
                }
                if (!run.scriptChanged) {
                    if (!digest(script).equals(scriptBefore)) {
                        run.scriptChanged = true;
                        run.problems.add("request " + index + " (" + what + ") rewrote run.sh, denied OPEN_WRITE");
                    }
                }
                if (!run.overQuota) {
                    Usage u = quotas.usage("hostile").values().iterator().next();
                    long[] counted = HostileTree.recount(tree.resolve(HostileTree.QUOTA));
                    if (u.bytes() > HostileTree.QUOTA_BYTES || u.inodes() > HostileTree.QUOTA_INODES) {
                        run.overQuota = true;
                        run.problems.add("request " + index + " (" + what + ") took the quota over its limit: " + u);
                    } else if (u.bytes() < counted[0] || u.inodes() < counted[1]) {
                        // More is fine until the end: a file unlinked while a fid holds it still takes its room.
                        run.overQuota = true;
                        run.problems.add("after request " + index + " (" + what + ") the quota's usage is " + u
                                + " but the host tree holds " + counted[0] + " bytes in " + counted[1] + " inodes");
                    }
                }
            } catch (IOException e) {
                run.problems.add("request " + index + ": the host tree could not be read: " + e);
            }
        }

        void atEnd(Map<Long, long[]> ownersBefore, long hostFirst, long hostEnd) throws IOException {
            script.close();
            long[] counted = HostileTree.recount(tree.resolve(HostileTree.QUOTA));
            Usage live = quotas.usage("hostile").values().iterator().next();
            if (live.bytes() != counted[0] || live.inodes() != counted[1]) {
                run.problems.add("quota usage " + live + " but the host tree holds " + counted[0] + " bytes in "
                        + counted[1] + " inodes");
            }
            Map<Long, String> paths = new java.util.HashMap<>();
            HostileTree.owners(tree, paths).forEach((ino, owner) -> {
                long[] before = ownersBefore.get(ino);
                for (int i = 0; i < 2; i++) {
                    boolean kept = before != null && before[i] == owner[i];
                    if (!kept && (owner[i] < hostFirst || owner[i] >= hostEnd)) {
                        run.problems.add(paths.get(ino) + ", made or given an owner by the hostile VM, belongs to host"
                                + (i == 0 ? " uid " : " gid ") + owner[i] + ", outside its map");
                    }
                }
            });
        }
    }
}

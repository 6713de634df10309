package io.p9gate.gateway.fuzz;

import io.netty.buffer.ByteBufUtil;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import io.p9gate.policy.quota.Usage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One hostile VM of the policy fuzzers ({@link PolicyFuzzTest}, {@link CrossVmFuzzTest}, {@link DialectFuzzTest}):
 * drives {@link HostileSequence}'s scripts over its connections, checks every reply and the host after every
 * request with its {@link Oracles}, and keeps what it sent for the audit check. One instance is driven by one thread;
 * several instances (several VMs, or several connections of one VM) may run at once.
 */
final class HostileVm {
    static final boolean TRACE = Boolean.getBoolean("p9gate.policyfuzz.trace");
    private static final long QID_INODE = (1L << 56) - 1;
    /** The tag of a request sent as raw bytes: one the client's own numbering does not reach in a run. */
    private static final int RAW_TAG = 60_000;

    /** Everything one driver learned. */
    static final class Run {
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final List<DifferentialRun.Sent> sent = new ArrayList<>();
        boolean protectedChanged;
        boolean overQuota;
        boolean scriptChanged;
        /** Indices in {@link #sent} of walks answered with fewer qids than names. */
        final Set<Integer> partialWalks = new HashSet<>();

        /** Appends another driver's requests (of other connections of the same VM). */
        void add(Run other) {
            int base = sent.size();
            sent.addAll(other.sent);
            other.partialWalks.forEach(i -> partialWalks.add(base + i));
            problems.addAll(other.problems);
        }
    }

    final String vm;
    final Target target;
    final Run run = new Run();
    final Oracles oracles;
    /** The global index of this driver's first connection among its VM's connections, for the audit check. */
    private final int connBase;
    /** The dialect the connections speak: {@link LegacyRequests} says each 9P2000.L request in it. */
    private final Dialect dialect;

    HostileVm(String vm, Target target, Oracles.Config config, int connBase, Dialect dialect) throws IOException {
        this.vm = vm;
        this.target = target;
        this.connBase = connBase;
        this.dialect = dialect;
        this.oracles = new Oracles(config, run);
    }

    /**
     * Negotiates the dialect on every connection, attaches each as guest uid 0 to {@code aname} (9P2000's Tattach laid
     * out by hand) and walks the anchors, one connection after the other.
     */
    void attach(String aname) throws IOException, P9Exception {
        for (int c = 0; c < target.conns.length; c++) {
            P9Client client = target.conns[c];
            if (dialect != Dialect.L) {
                client.version(DiodDifferentialFuzzTest.MSIZE, dialect.version());
            }
            if (dialect == Dialect.LEGACY) {
                int tag = RAW_TAG;
                String shape;
                try {
                    shape = ReplyShape.of(client.await(client.sendRaw(tag, LegacyRequests.plainAttach(tag, 0, aname))));
                } catch (P9Exception e) {
                    shape = "Rlerror " + e.errno();
                }
                run.sent.add(new DifferentialRun.Sent(connBase + c, tag, "Tattach[fid=0] (9P2000)", shape, false));
            } else {
                send(-1, FuzzStep.of(c, "Tattach[fid=0]", t -> new TMessage.Tattach(0, -1, "root", aname, 0)));
            }
            for (int a = 0; a < HostileSequence.ANCHORS.size(); a++) {
                TMessage walk = new TMessage.Twalk(0, HostileSequence.ROOT + a, HostileSequence.ANCHORS.get(a));
                send(-1, FuzzStep.of(c, walk.toString(), t -> walk));
            }
        }
    }

    /**
     * Each VM sends {@code scripts} scripts of its seed's sequence and then clunks every fid, all on threads of their
     * own at once; twins are compared if {@code twins}.
     */
    static void driveAtOnce(List<HostileVm> vms, java.util.function.IntToLongFunction seeds, int scripts, boolean twins)
            throws Exception {
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(vms.size());
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < vms.size(); i++) {
                HostileVm vm = vms.get(i);
                long seed = seeds.applyAsLong(i);
                runs.add(threads.submit(() -> {
                    vm.drive(seed, scripts, twins);
                    vm.clunkAll();
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) {
                run.get();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** Sends {@code scripts} scripts of seed {@code seed}'s sequence; if {@code twins}, twins must be answered alike. */
    void drive(long seed, int scripts, boolean twins) {
        HostileSequence sequence = new HostileSequence(seed, target.conns.length);
        for (int i = 0; i < scripts; i++) {
            HostileSequence.Script script = sequence.next();
            List<String> shapes = new ArrayList<>();
            for (FuzzStep step : script.steps()) {
                TMessage request = step.request().apply(target);
                String shape = send(i, step);
                shapes.add(shape);
                sequence.answered(step.conn(), request, shape);
            }
            if (twins && !script.twins().isEmpty()) {
                String existing = shapes.get(script.twins().get(0));
                String missing = shapes.get(script.twins().get(1));
                if (!existing.equals(missing)) {
                    run.problems.add(vm + " seed " + seed + " script " + i + ": a hidden name that exists and one"
                            + " that does not are told apart:\n    "
                            + script.steps().get(script.twins().get(0)).label() + " -> " + existing + "\n    "
                            + script.steps().get(script.twins().get(1)).label() + " -> " + missing);
                }
            }
        }
    }

    /** Clunks every fid a sequence may have used, on every connection. */
    void clunkAll() {
        for (int c = 0; c < target.conns.length; c++) {
            for (int fid : allFids()) {
                send(-1, FuzzStep.of(c, "Tclunk[fid=" + fid + "]", t -> new TMessage.Tclunk(fid)));
            }
        }
    }

    private static List<Integer> allFids() {
        List<Integer> out = new ArrayList<>();
        for (int f = 0; f <= HostileSequence.TWIN; f++) {
            out.add(f);
        }
        for (int f : RequestSequence.UNUSED_FIDS) {
            out.add(f);
        }
        out.add(LegacyRequests.CREATE_FID);
        return out;
    }

    /** Sends one step, checks its reply and the host after it; returns the reply's shape. */
    String send(int index, FuzzStep step) {
        P9Client client = target.conns[step.conn()];
        TMessage asked = step.request().apply(target);
        TMessage request = dialect == Dialect.L ? asked : LegacyRequests.translate(asked, dialect);
        if (request == null) {
            return "Rlerror " + Errno.EOPNOTSUPP + " (not sent: no counterpart in the dialect)";
        }
        int dir = dialect == Dialect.L ? -1 : LegacyRequests.clonedDirectory(asked);
        if (dir >= 0) {
            int fid = LegacyRequests.CREATE_FID;
            send(index, FuzzStep.of(step.conn(), "Tclunk[fid=" + fid + "]", t -> new TMessage.Tclunk(fid)));
            send(index, FuzzStep.of(step.conn(), "clone", t -> new TMessage.Twalk(dir, fid, List.of())));
            return send(
                    index, new FuzzStep(step.conn(), request.toString(), t -> request, step.flush(), true, false, ""));
        }
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
                if (request instanceof TMessage.Treaddir r) {
                    target.answered(step.conn(), r.fid(), reply); // where a paged listing continues
                }
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
        String label = request == asked ? step.label() : request.toString();
        if (TRACE) {
            System.out.println(
                    "trace " + vm + " " + index + " c" + (connBase + step.conn()) + " " + label + " -> " + shape);
        }
        if (shape.startsWith("NO REPLY") || shape.equals("Rlerror EIO")) {
            run.problems.add(vm + " request " + index + ": " + label + " answered " + shape
                    + " (a hang, a dropped connection or an unexpected fault)");
        }
        run.sent.add(new DifferentialRun.Sent(connBase + step.conn(), tag, label, shape, step.flush()));
        oracles.afterRequest(index, label + " -> " + shape);
        return shape;
    }

    /**
     * The requests the log must account for one by one. A walk that stops at a hidden or missing name answers Rwalk
     * but is a refusal, and repeated refusals may stand in one summary record (docs/audit-format.md, "Refusal
     * budget"), as a refused request answered Rlerror may: those without a record of their own are left out. A
     * Tclunk whose fid's file the host moved out of the share is recorded as refused by "confinement" (EACCES) and
     * answered Rclunk, the fid freed all the same (docs/filesystem.md): it is checked as the refusal its record says.
     * Any other clunk answered Rclunk must be recorded as the success it is. Sessions are told apart by the order of
     * their first decision record: each connection's attach, made one connection after the other.
     */
    static List<DifferentialRun.Sent> withoutSummarizedWalks(Run run, List<AuditRecord> records) {
        Map<Long, Integer> connOfSession = new LinkedHashMap<>();
        Set<String> recorded = new HashSet<>();
        Map<String, Errno> confinedClunks = new HashMap<>();
        for (AuditRecord r : records) {
            if ("decision".equals(r.type())) {
                connOfSession.putIfAbsent(r.session(), connOfSession.size());
                String key = connOfSession.get(r.session()) + "/" + r.tag();
                recorded.add(key);
                if ("clunk".equals(r.op()) && List.of("confinement").equals(r.rules()) && r.errno() == 13) {
                    confinedClunks.put(key, Errno.of(r.errno()));
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

    /**
     * The seeds of a fuzzer's run: {@code count} from {@code first}, or {@code -Dp9gate.NAME.seeds} from {@code
     * -Dp9gate.NAME.firstSeed}.
     */
    static java.util.stream.Stream<Long> seeds(String name, int count, long first) {
        long from = Long.getLong("p9gate." + name + ".firstSeed", first);
        return java.util.stream.LongStream.range(from, from + Integer.getInteger("p9gate." + name + ".seeds", count))
                .boxed();
    }

    /** A request of 9P2000 or 9P2000.u that is recorded as the several 9P2000.L requests it is made of. */
    static boolean composite(String label) {
        return label.startsWith("Tcreate")
                || label.startsWith("Twstat")
                || label.startsWith("Tstat")
                || label.startsWith("Topen");
    }

    /** The decision records of one VM, and every record of another type. */
    static List<AuditRecord> recordsOf(String vm, List<AuditRecord> all) {
        return all.stream()
                .filter(r -> !"decision".equals(r.type()) || vm.equals(r.vm()))
                .toList();
    }

    /** The checks after each request and at the end of a run. */
    static final class Oracles {
        /**
         * What one VM must never see or change.
         *
         * @param protectedPlaces subtrees that neither this VM nor any VM running at the same time may change
         * @param hidden inode numbers this VM must never be shown (may grow while it runs: another VM's new files)
         * @param secrets strings no reply to this VM may hold
         * @param quota the VM's quota scope, or null
         * @param exactQuota the scope's usage may not fall below a recount after any request: only this driver
         *     changes the scope (else its limits and the final recount are checked)
         */
        record Config(
                Path tree,
                List<String> protectedPlaces,
                Set<Long> hidden,
                List<String> secrets,
                Quota quota,
                boolean exactQuota) {}

        /** A VM's quota scope: its books are {@code quotas.usage(vm)}. */
        record Quota(String vm, PolicyQuotas quotas, Path scope, long bytes, long inodes) {
            Usage usage() {
                return quotas.usage(vm).values().iterator().next();
            }
        }

        private final Config config;
        private final Map<String, String> protectedBefore;
        private final Run run;
        /** run.sh as it was named at first, held open so that its inode is not given to another file. */
        private final FileChannel script;

        private final String scriptBefore;

        Oracles(Config config, Run run) throws IOException {
            this.config = config;
            this.protectedBefore = HostileTree.protectedShape(config.tree(), config.protectedPlaces());
            this.run = run;
            this.script = FileChannel.open(config.tree().resolve("run.sh"));
            this.scriptBefore = digest(script);
        }

        private static String digest(FileChannel file) throws IOException {
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(file.size(), 1 << 20));
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
                case RMessage.Ropen(var q, var iounit) -> qids.add(q);
                case RMessage.Rcreate(var q, var iounit) -> qids.add(q);
                case RMessage.Rstat(var s) -> {
                    qids.add(s.common().qid());
                    text = s.common().name() + " "
                            + s.unix().map(u -> u.extension()).orElse("");
                }
                case RMessage.Rreaddir(var entries) -> {
                    entries.stream().map(DirEntry::qid).forEach(qids::add);
                    text = entries.stream().map(DirEntry::name).toList().toString();
                }
                case RMessage.Rread(var data) -> {
                    byte[] bytes = ByteBufUtil.getBytes(data);
                    text = new String(bytes, StandardCharsets.ISO_8859_1);
                    statEntryInodes(bytes).forEach(ino -> qids.add(new Qid(0, 0, ino)));
                }
                case RMessage.Rreadlink(var target) -> text = target;
                default -> {}
            }
            for (Qid q : qids) {
                if (config.hidden().contains(q.path() & QID_INODE)) {
                    run.problems.add("a hidden inode's qid in the reply to " + label + ": " + reply);
                }
            }
            for (String secret : config.secrets()) {
                if (text.contains(secret)) {
                    run.problems.add("secret bytes in the reply to " + label + ": " + ReplyShape.of(reply));
                }
            }
        }

        /**
         * The qid paths of a directory read in 9P2000 or 9P2000.u (packed stat entries), if the bytes are exactly such
         * entries; none for other data.
         */
        private static List<Long> statEntryInodes(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            List<Long> out = new ArrayList<>();
            int at = 0;
            while (at < bytes.length) {
                if (at + 2 > bytes.length) {
                    return List.of();
                }
                int size = Short.toUnsignedInt(b.getShort(at));
                if (size < 47 || at + 2 + size > bytes.length) {
                    return List.of();
                }
                out.add(b.getLong(at + 2 + 2 + 4 + 1 + 4));
                at += 2 + size;
            }
            return out;
        }

        void afterRequest(int index, String what) {
            try {
                if (!run.protectedChanged) {
                    List<String> changed = FuzzTree.differences(
                            protectedBefore, HostileTree.protectedShape(config.tree(), config.protectedPlaces()));
                    if (!changed.isEmpty()) {
                        run.protectedChanged = true;
                        run.problems.add("request " + index + " (" + what + ") changed a protected place: " + changed);
                    }
                }
                if (!run.scriptChanged && !digest(script).equals(scriptBefore)) {
                    run.scriptChanged = true;
                    run.problems.add("request " + index + " (" + what + ") rewrote run.sh, denied OPEN_WRITE");
                }
                Quota quota = config.quota();
                if (!run.overQuota && quota != null) {
                    Usage u = quota.usage();
                    if (u.bytes() > quota.bytes() || u.inodes() > quota.inodes()) {
                        run.overQuota = true;
                        run.problems.add("request " + index + " (" + what + ") took the quota over its limit: " + u);
                    } else if (config.exactQuota()) {
                        long[] counted = HostileTree.recount(quota.scope());
                        if (u.bytes() < counted[0] || u.inodes() < counted[1]) {
                            // More is fine until the end: a file unlinked while a fid holds it still takes its room.
                            run.overQuota = true;
                            run.problems.add("after request " + index + " (" + what + ") the quota's usage is " + u
                                    + " but the host tree holds " + counted[0] + " bytes in " + counted[1]
                                    + " inodes");
                        }
                    }
                }
            } catch (IOException e) {
                run.problems.add("request " + index + ": the host tree could not be read: " + e);
            }
        }

        /**
         * Once every fid is clunked: the quota's usage equals a recount, and every inode made or given an owner since
         * {@code ownersBefore} belongs to one of the host id ranges {@code allowed} gives for its path.
         */
        void atEnd(Map<Long, long[]> ownersBefore, Function<String, List<long[]>> allowed) throws IOException {
            script.close();
            Quota quota = config.quota();
            if (quota != null) {
                long[] counted = HostileTree.recount(quota.scope());
                Usage live = quota.usage();
                if (live.bytes() != counted[0] || live.inodes() != counted[1]) {
                    run.problems.add(quota.vm() + " quota usage " + live + " but the host tree holds " + counted[0]
                            + " bytes in " + counted[1] + " inodes");
                }
            }
            Map<Long, String> paths = new HashMap<>();
            HostileTree.owners(config.tree(), paths).forEach((ino, owner) -> {
                long[] before = ownersBefore.get(ino);
                for (int i = 0; i < 2; i++) {
                    boolean kept = before != null && before[i] == owner[i];
                    long id = owner[i];
                    if (!kept && allowed.apply(paths.get(ino)).stream().noneMatch(r -> id >= r[0] && id < r[1])) {
                        run.problems.add(paths.get(ino) + ", made or given an owner by a hostile VM, belongs to host"
                                + (i == 0 ? " uid " : " gid ") + id + ", outside the map of every VM that may");
                    }
                }
            });
        }
    }
}

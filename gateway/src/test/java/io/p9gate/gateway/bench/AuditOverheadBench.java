package io.p9gate.gateway.bench;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.Durability;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The cost of the signed audit trail per 9P operation (DESIGN §5: policy + audit overhead <= 10 %; issue 11:
 * durable intents <= 10 % more on meta): the same requests through FileServer with {@link NoAudit}, with a
 * {@link SignedAuditTrail} whose intent records only reach the kernel ({@link Durability#WRITTEN}), and with
 * the production trail, whose intent records are on disk before the change ({@link Durability#SYNCED}, group
 * commit). All on production log settings (checkpoint every 8,192 records and every second, fsynced and
 * signed). Rounds alternate between the variants so that machine noise hits them alike; the median of the
 * rounds' ns/op is reported. Two setups: in process (FileServer alone: the upper bound of the ratios) and over
 * loopback TCP (a real Gateway and the Java 9P client). {@code create+unlink x16} runs 16 lanes at once (16
 * sessions in process, 16 threads on one client over TCP): concurrent intents share fsyncs. Run with
 * gateway/bench-audit.sh.
 */
public final class AuditOverheadBench {
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 15);
    private static final int WARMUP_ROUNDS = 3;
    private static final int LANES = 16;
    private static final byte[] BLOCK = new byte[4096];

    enum Op {
        GETATTR(20_000),
        WRITE_4K(5_000),
        CREATE_UNLINK(1_000),
        CREATE_UNLINK_X16(4_000);

        /** Operations per timed batch in process; over TCP a tenth (each pays a loopback round trip). */
        final int batch;

        Op(int batch) {
            this.batch = batch;
        }
    }

    enum Variant {
        OFF,
        WRITTEN_INTENTS,
        SYNCED_INTENTS
    }

    /** One gateway and its client(s): fid 1 open read-write on "f", fid 0 on the share root. */
    private interface Rig extends AutoCloseable {
        @Override
        void close();

        void getattr() throws Exception;

        void write4k() throws Exception;

        /** In lane {@code lane}: clone the root fid, lcreate "n{lane}", clunk, unlinkat: four requests. */
        void createUnlink(int lane) throws Exception;

        default void run(Op op, int n, ExecutorService lanes) throws Exception {
            switch (op) {
                case GETATTR -> repeat(n, this::getattr);
                case WRITE_4K -> repeat(n, this::write4k);
                case CREATE_UNLINK -> repeat(n, () -> createUnlink(0));
                case CREATE_UNLINK_X16 -> {
                    List<Future<?>> running = new ArrayList<>();
                    for (int lane = 0; lane < LANES; lane++) {
                        int l = lane;
                        running.add(lanes.submit(() -> {
                            repeat(n / LANES, () -> createUnlink(l));
                            return null;
                        }));
                    }
                    for (Future<?> f : running) {
                        f.get();
                    }
                }
            }
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static void repeat(int n, Step step) throws Exception {
        for (int i = 0; i < n; i++) {
            step.run();
        }
    }

    /** Requests handed to FileServer directly: no codec, no network; one session per lane. */
    private static final class InProcess implements Rig {
        final ShareServerFactory factory;
        final List<TestSession> lanes = new ArrayList<>();

        InProcess(Path share, AuditTrail trail) throws P9Exception {
            this.factory = TestSession.factory(share, new AllowAll(), trail);
            for (int i = 0; i < LANES; i++) {
                lanes.add(TestSession.attached(factory));
            }
            lanes.getFirst().walk(0, 1, "f");
            lanes.getFirst().lopen(1, 2);
        }

        @Override
        public void getattr() throws P9Exception {
            lanes.getFirst().call(new TMessage.Tgetattr(1, 0x3fff));
        }

        @Override
        public void write4k() throws P9Exception {
            lanes.getFirst().call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(BLOCK)));
        }

        @Override
        public void createUnlink(int lane) throws P9Exception {
            TestSession s = lanes.get(lane);
            s.walk(0, 2);
            s.call(new TMessage.Tlcreate(2, "n" + lane, 2, 0644, 0));
            s.call(new TMessage.Tclunk(2));
            s.call(new TMessage.Tunlinkat(0, "n" + lane, 0));
        }

        @Override
        public void close() {
            lanes.forEach(TestSession::close);
            factory.close();
        }
    }

    /** A real gateway on loopback TCP and one Java 9P client shared by the lanes (16 tags in flight). */
    private static final class OverTcp implements Rig {
        final ShareServerFactory factory;
        final Gateway gateway;
        final P9Client client;

        OverTcp(Path share, AuditTrail trail) throws Exception {
            this.factory = new ShareServerFactory(Map.of("share", share), new AllowAll(), trail);
            this.gateway = Gateway.start(new GatewayConfig(
                    List.of(ListenSpec.parse("tcp:127.0.0.1:0")), factory, GatewayConfig.DEFAULT_MSIZE, 4));
            this.client = P9Client.open(gateway.boundAddresses().getFirst(), 65536 + 4096);
            client.attach(0, "root", "share", 0);
            client.walk(0, 1, "f");
            client.lopen(1, 2);
        }

        @Override
        public void getattr() throws Exception {
            client.getattr(1, 0x3fff);
        }

        @Override
        public void write4k() throws Exception {
            client.write(1, 0, BLOCK);
        }

        @Override
        public void createUnlink(int lane) throws Exception {
            int fid = 100 + lane;
            client.walk(0, fid);
            client.lcreate(fid, "n" + lane, 2, 0644, 0);
            client.clunk(fid);
            client.unlinkat(0, "n" + lane, 0);
        }

        @Override
        public void close() {
            client.close();
            gateway.close();
            factory.close();
        }
    }

    @FunctionalInterface
    private interface RigFactory {
        Rig open(Path share, AuditTrail trail) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")), "p9gate-auditbench");
        String setups = System.getProperty("bench.setups", "inprocess,tcp");
        if (setups.contains("inprocess")) {
            measure("in process (FileServer)", base.resolve("inprocess"), InProcess::new, 1);
        }
        if (setups.contains("tcp")) {
            measure("loopback TCP (Gateway + P9Client)", base.resolve("tcp"), OverTcp::new, 10);
        }
    }

    private static SignedAuditTrail trail(Path dir, Durability intents) throws Exception {
        return new SignedAuditTrail(
                AuditLog.open(
                        dir,
                        SigningKey.generate("bench-audit", new SecureRandom()),
                        AuditOptions.defaults("p9gate.bench/audit")),
                intents,
                RefusalBudget.DEFAULT);
    }

    private static void measure(String title, Path base, RigFactory rigs, int batchDivisor) throws Exception {
        Map<Variant, Path> shares = new EnumMap<>(Variant.class);
        for (Variant v : Variant.values()) {
            Path share = Files.createDirectories(base.resolve(v.name().toLowerCase(Locale.ROOT)));
            Files.write(share.resolve("f"), BLOCK);
            shares.put(v, share);
        }
        Map<Op, Map<Variant, List<Double>>> samples = new EnumMap<>(Op.class);
        long records;
        long fsyncs;
        try (SignedAuditTrail written = trail(base.resolve("audit-written"), Durability.WRITTEN);
                SignedAuditTrail synced = trail(base.resolve("audit-synced"), Durability.SYNCED);
                Rig off = rigs.open(shares.get(Variant.OFF), new NoAudit());
                Rig onWritten = rigs.open(shares.get(Variant.WRITTEN_INTENTS), written);
                Rig onSynced = rigs.open(shares.get(Variant.SYNCED_INTENTS), synced);
                ExecutorService lanes = Executors.newFixedThreadPool(LANES)) {
            Map<Variant, Rig> rigByVariant =
                    Map.of(Variant.OFF, off, Variant.WRITTEN_INTENTS, onWritten, Variant.SYNCED_INTENTS, onSynced);
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                for (Op op : Op.values()) {
                    int n = op.batch / batchDivisor;
                    for (int i = 0; i < Variant.values().length; i++) {
                        Variant v = Variant.values()[(round + i) % Variant.values().length]; // rotate the order
                        double ns = nanosPerOp(rigByVariant.get(v), op, n, lanes);
                        if (round >= WARMUP_ROUNDS) {
                            samples.computeIfAbsent(op, o -> new EnumMap<>(Variant.class))
                                    .computeIfAbsent(v, x -> new ArrayList<>())
                                    .add(ns);
                        }
                    }
                }
            }
            records = synced.log().size();
            fsyncs = synced.log().fsyncs();
        }
        System.out.printf(Locale.ROOT, "%n%s: %,d records and %,d fsyncs in the synced log%n", title, records, fsyncs);
        System.out.printf(
                Locale.ROOT,
                "%-18s %12s %12s %12s %10s %10s %10s%n",
                "operation",
                "off ns/op",
                "written ns",
                "synced ns",
                "written/off",
                "synced/off",
                "synced/written");
        for (var e : samples.entrySet()) {
            double off = median(e.getValue().get(Variant.OFF));
            double written = median(e.getValue().get(Variant.WRITTEN_INTENTS));
            double synced = median(e.getValue().get(Variant.SYNCED_INTENTS));
            System.out.printf(
                    Locale.ROOT,
                    "%-18s %,12.0f %,12.0f %,12.0f %10.2f %10.2f %10.2f%n",
                    e.getKey(),
                    off,
                    written,
                    synced,
                    written / off,
                    synced / off,
                    synced / written);
        }
    }

    private static double nanosPerOp(Rig rig, Op op, int n, ExecutorService lanes) throws Exception {
        long start = System.nanoTime();
        rig.run(op, n, lanes);
        return (System.nanoTime() - start) / (double) n;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

package io.p9gate.gateway.bench;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareServerFactory;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of the signed audit trail per 9P operation (DESIGN §5: policy + audit overhead <= 10 %): the same
 * requests through FileServer with {@link NoAudit} and with a {@link SignedAuditTrail} on production settings
 * (checkpoint every 1,024 records and every second, fsynced and signed). Rounds alternate between the two so
 * that machine noise hits both alike; the median of the rounds' ns/op is reported. Run with
 * gateway/bench-audit.sh; no codec or network, so the ratio is the upper bound of what a client sees.
 */
public final class AuditOverheadBench {
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 15);
    private static final int WARMUP_ROUNDS = 3;
    private static final byte[] BLOCK = new byte[4096];

    enum Op {
        GETATTR(20_000), WRITE_4K(5_000), CREATE_UNLINK(1_000);

        final int batch;

        Op(int batch) {
            this.batch = batch;
        }
    }

    /** One gateway (share, trail, session with fid 1 open read-write on "f"). */
    private static final class Rig implements AutoCloseable {
        final ShareServerFactory factory;
        final TestSession s;
        final AuditTrail trail;

        Rig(Path share, AuditTrail trail) throws P9Exception {
            this.trail = trail;
            this.factory = TestSession.factory(share, new AllowAll(), trail);
            this.s = TestSession.attached(factory);
            s.walk(0, 1, "f");
            s.lopen(1, 2);
        }

        void run(Op op, int n) throws P9Exception {
            for (int i = 0; i < n; i++) {
                switch (op) {
                    case GETATTR -> s.call(new TMessage.Tgetattr(1, 0x3fff));
                    case WRITE_4K -> s.call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(BLOCK)));
                    case CREATE_UNLINK -> {
                        s.walk(0, 2);
                        s.call(new TMessage.Tlcreate(2, "n", 2, 0644, 0));
                        s.call(new TMessage.Tclunk(2));
                        s.call(new TMessage.Tunlinkat(0, "n", 0));
                    }
                }
            }
        }

        @Override
        public void close() throws Exception {
            s.close();
            factory.close();
            if (trail instanceof SignedAuditTrail signed) {
                signed.close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")), "p9gate-auditbench");
        Path plainShare = Files.createDirectories(base.resolve("plain"));
        Path auditedShare = Files.createDirectories(base.resolve("audited"));
        Files.write(plainShare.resolve("f"), BLOCK);
        Files.write(auditedShare.resolve("f"), BLOCK);
        SignedAuditTrail signed = SignedAuditTrail.open(base.resolve("audit"),
                SigningKey.generate("bench-audit", new SecureRandom()), AuditOptions.defaults("p9gate.bench/audit"));
        Map<Op, List<double[]>> samples = new EnumMap<>(Op.class);
        try (Rig plain = new Rig(plainShare, new NoAudit()); Rig audited = new Rig(auditedShare, signed)) {
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                for (Op op : Op.values()) {
                    double off = nanosPerOp(plain, op);
                    double on = nanosPerOp(audited, op);
                    if (round >= WARMUP_ROUNDS) {
                        samples.computeIfAbsent(op, o -> new ArrayList<>()).add(new double[] {off, on});
                    }
                }
            }
            System.out.printf(Locale.ROOT, "records written: %,d%n", signed.log().size());
        }
        System.out.printf(Locale.ROOT, "%-14s %14s %14s %8s%n", "operation", "audit off ns", "audit on ns", "ratio");
        for (var e : samples.entrySet()) {
            double off = median(e.getValue().stream().mapToDouble(s -> s[0]).toArray());
            double on = median(e.getValue().stream().mapToDouble(s -> s[1]).toArray());
            System.out.printf(Locale.ROOT, "%-14s %,14.0f %,14.0f %8.2f%n", e.getKey(), off, on, on / off);
        }
    }

    private static double nanosPerOp(Rig rig, Op op) throws P9Exception {
        long start = System.nanoTime();
        rig.run(op, op.batch);
        return (System.nanoTime() - start) / (double) op.batch;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

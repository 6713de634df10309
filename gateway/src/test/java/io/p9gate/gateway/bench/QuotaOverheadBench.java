package io.p9gate.gateway.bench;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.policyadapter.QuotaPolicyRig;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of quota accounting per 9P operation (R-POL-6 against DESIGN §5): the same requests through
 * FileServer (in process, no network, no audit) for a VM without quotas, for a VM with a quota writing
 * outside its scope, and inside it. Rounds alternate between the three so that machine noise hits all
 * alike; the median of the rounds' CPU ns/op of the calling thread (user + system: requests run in it, so
 * time spent waiting for a core on a busy machine is left out) is reported with the ratio to the VM
 * without quotas. Run with gateway/bench-quota.sh.
 */
public final class QuotaOverheadBench {
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 15);
    private static final int WARMUP_ROUNDS = 3;
    private static final byte[] BLOCK = new byte[4096];
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    enum Op {
        OVERWRITE_4K(5_000),
        APPEND_4K(5_000),
        CREATE_UNLINK(1_000),
        RENAME(2_000);

        final int batch;

        Op(int batch) {
            this.batch = batch;
        }
    }

    /** One session with fid 1 on the working directory and fid 2 open read-write on its file "f". */
    private static final class Rig implements AutoCloseable {
        final TestSession s;
        long appendAt;

        Rig(QuotaPolicyRig vm, String dir) throws P9Exception {
            s = TestSession.open(vm.shares, vm.listener);
            s.call(new TMessage.Tattach(0, TMessage.NOFID, "root", "data", 0));
            s.walk(0, 1, dir);
            s.walk(1, 2, "f");
            s.lopen(2, 2);
        }

        void run(Op op, int n) throws P9Exception {
            if (op == Op.APPEND_4K) {
                s.call(new TMessage.Tsetattr(2, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0)));
                appendAt = 0;
            }
            for (int i = 0; i < n; i++) {
                switch (op) {
                    case OVERWRITE_4K -> s.call(new TMessage.Twrite(2, 0, Unpooled.wrappedBuffer(BLOCK)));
                    case APPEND_4K -> {
                        s.call(new TMessage.Twrite(2, appendAt, Unpooled.wrappedBuffer(BLOCK)));
                        appendAt += BLOCK.length;
                    }
                    case CREATE_UNLINK -> {
                        s.walk(1, 3);
                        s.call(new TMessage.Tlcreate(3, "n", 2, 0644, 0));
                        s.call(new TMessage.Tclunk(3));
                        s.call(new TMessage.Tunlinkat(1, "n", 0));
                    }
                    case RENAME -> s.call(new TMessage.Trenameat(1, i % 2 == 0 ? "f" : "g", 1, i % 2 == 0 ? "g" : "f"));
                }
            }
            if (op == Op.RENAME && n % 2 == 1) {
                s.call(new TMessage.Trenameat(1, "g", 1, "f"));
            }
        }

        @Override
        public void close() {
            s.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")), "p9gate-quotabench");
        Path limited = Files.createDirectories(base.resolve("limited"));
        Path free = Files.createDirectories(base.resolve("free"));
        for (Path dir : List.of(limited.resolve("q"), limited.resolve("open"), free.resolve("open"))) {
            Files.createDirectories(dir);
            Files.write(dir.resolve("f"), BLOCK);
        }
        String[] rigNames = {"no quota", "quota, outside", "quota, inside"};
        Map<Op, List<double[]>> samples = new EnumMap<>(Op.class);
        try (QuotaPolicyRig limitedVm =
                        new QuotaPolicyRig(base, "limited", limited, "{path: /q, bytes: 1TiB, inodes: 1000000}");
                QuotaPolicyRig freeVm = new QuotaPolicyRig(base, "free", free);
                Rig none = new Rig(freeVm, "open");
                Rig outside = new Rig(limitedVm, "open");
                Rig inside = new Rig(limitedVm, "q")) {
            Rig[] rigs = {none, outside, inside};
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                for (Op op : Op.values()) {
                    double[] ns = new double[rigs.length];
                    for (int r = 0; r < rigs.length; r++) {
                        long start = CPU.getCurrentThreadCpuTime();
                        rigs[r].run(op, op.batch);
                        ns[r] = (CPU.getCurrentThreadCpuTime() - start) / (double) op.batch;
                    }
                    if (round >= WARMUP_ROUNDS) {
                        samples.computeIfAbsent(op, o -> new ArrayList<>()).add(ns);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nmedian CPU ns/op over %d rounds (ratio to %s)%n", ROUNDS, rigNames[0]);
        System.out.printf(Locale.ROOT, "%-14s %12s %22s %22s%n", "operation", rigNames[0], rigNames[1], rigNames[2]);
        for (var e : samples.entrySet()) {
            double[] m = new double[rigNames.length];
            for (int r = 0; r < m.length; r++) {
                int rig = r;
                m[r] = median(e.getValue().stream().mapToDouble(s -> s[rig]).toArray());
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-14s %,12.0f %,14.0f (%5.2f) %,14.0f (%5.2f)%n",
                    e.getKey(),
                    m[0],
                    m[1],
                    m[1] / m[0],
                    m[2],
                    m[2] / m[0]);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

package io.p9gate.gateway.bench;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareServerFactory;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.server.ListenSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of the signed audit trail per 9P operation (DESIGN §5: policy + audit overhead <= 10 %): the same
 * requests through FileServer with {@link NoAudit} and with a {@link SignedAuditTrail} on production settings
 * (checkpoint every 1,024 records and every second, fsynced and signed). Rounds alternate between the two so
 * that machine noise hits both alike; the median of the rounds' ns/op is reported. Two setups: in process
 * (FileServer alone: the upper bound of the ratio) and over loopback TCP (a real Gateway and the Java 9P
 * client, one request at a time). Run with gateway/bench-audit.sh.
 */
public final class AuditOverheadBench {
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 15);
    private static final int WARMUP_ROUNDS = 3;
    private static final byte[] BLOCK = new byte[4096];

    enum Op {
        GETATTR(20_000), WRITE_4K(5_000), CREATE_UNLINK(1_000);

        /** Operations per timed batch in process; over TCP a tenth (each pays a loopback round trip). */
        final int batch;

        Op(int batch) {
            this.batch = batch;
        }
    }

    /** One gateway and one client with fid 1 open read-write on "f" and fid 0 on the share root. */
    private interface Rig extends AutoCloseable {
        void getattr() throws Exception;

        void write4k() throws Exception;

        /** Clone the root fid, lcreate "n", clunk, unlinkat: four requests. */
        void createUnlink() throws Exception;

        default void run(Op op, int n) throws Exception {
            for (int i = 0; i < n; i++) {
                switch (op) {
                    case GETATTR -> getattr();
                    case WRITE_4K -> write4k();
                    case CREATE_UNLINK -> createUnlink();
                }
            }
        }
    }

    /** Requests handed to FileServer directly: no codec, no network. */
    private static final class InProcess implements Rig {
        final ShareServerFactory factory;
        final TestSession s;

        InProcess(Path share, AuditTrail trail) throws P9Exception {
            this.factory = TestSession.factory(share, new AllowAll(), trail);
            this.s = TestSession.attached(factory);
            s.walk(0, 1, "f");
            s.lopen(1, 2);
        }

        @Override
        public void getattr() throws P9Exception {
            s.call(new TMessage.Tgetattr(1, 0x3fff));
        }

        @Override
        public void write4k() throws P9Exception {
            s.call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(BLOCK)));
        }

        @Override
        public void createUnlink() throws P9Exception {
            s.walk(0, 2);
            s.call(new TMessage.Tlcreate(2, "n", 2, 0644, 0));
            s.call(new TMessage.Tclunk(2));
            s.call(new TMessage.Tunlinkat(0, "n", 0));
        }

        @Override
        public void close() {
            s.close();
            factory.close();
        }
    }

    /** A real gateway on loopback TCP and the Java 9P client: codec, session and network included. */
    private static final class OverTcp implements Rig {
        final ShareServerFactory factory;
        final Gateway gateway;
        final P9Client client;

        OverTcp(Path share, AuditTrail trail) throws Exception {
            this.factory = new ShareServerFactory(Map.of("share", share), new AllowAll(), trail);
            this.gateway = Gateway.start(new GatewayConfig(List.of(ListenSpec.parse("tcp:127.0.0.1:0")), factory,
                    GatewayConfig.DEFAULT_MSIZE, 4));
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
        public void createUnlink() throws Exception {
            client.walk(0, 2);
            client.lcreate(2, "n", 2, 0644, 0);
            client.clunk(2);
            client.unlinkat(0, "n", 0);
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
        measure("in process (FileServer)", base.resolve("inprocess"), InProcess::new, 1);
        measure("loopback TCP (Gateway + P9Client)", base.resolve("tcp"), OverTcp::new, 10);
    }

    private static void measure(String title, Path base, RigFactory rigs, int batchDivisor) throws Exception {
        Path plainShare = Files.createDirectories(base.resolve("plain"));
        Path auditedShare = Files.createDirectories(base.resolve("audited"));
        Files.write(plainShare.resolve("f"), BLOCK);
        Files.write(auditedShare.resolve("f"), BLOCK);
        PairedMedians<Op> samples = new PairedMedians<>(Op.class);
        long records;
        try (SignedAuditTrail signed = SignedAuditTrail.open(base.resolve("audit"),
                SigningKey.generate("bench-audit", new SecureRandom()), AuditOptions.defaults("p9gate.bench/audit"));
             Rig plain = rigs.open(plainShare, new NoAudit()); Rig audited = rigs.open(auditedShare, signed)) {
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                for (Op op : Op.values()) {
                    int n = op.batch / batchDivisor;
                    double off = nanosPerOp(plain, op, n);
                    double on = nanosPerOp(audited, op, n);
                    if (round >= WARMUP_ROUNDS) {
                        samples.add(op, off, on);
                    }
                }
            }
            records = signed.log().size();
        }
        System.out.printf(Locale.ROOT, "%n%s: %,d records written%n", title, records);
        samples.print("audit off ns", "audit on ns");
    }

    private static double nanosPerOp(Rig rig, Op op, int n) throws Exception {
        long start = System.nanoTime();
        rig.run(op, n);
        return (System.nanoTime() - start) / (double) n;
    }
}

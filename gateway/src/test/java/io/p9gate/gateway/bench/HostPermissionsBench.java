package io.p9gate.gateway.bench;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.ShareSafety;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of {@code permissions: enforce} per 9P operation: the same requests through FileServer in a share
 * that trusts the guest (the default) and in one that acts as the guest user on the host (setgroups, setfsgid,
 * setfsuid and back around every backend call). In process, no audit, no transport: the upper bound of the
 * ratio. Rounds alternate the two shares; the median of the rounds' ns/op is reported. Needs root (the switch
 * needs CAP_SETUID/CAP_SETGID). Run with gateway/bench-host-permissions.sh.
 */
public final class HostPermissionsBench {
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 15);
    private static final int WARMUP_ROUNDS = 3;
    private static final byte[] BLOCK = new byte[4096];
    /** A guest user whose files these are: guest ids are host ids without a policy. */
    private static final int USER = 1000;

    enum Op {
        GETATTR(20_000),
        OPEN_CLUNK(5_000),
        WRITE_4K(5_000),
        CREATE_UNLINK(1_000);

        final int batch;

        Op(int batch) {
            this.batch = batch;
        }
    }

    /** A session attached as {@link #USER} with fid 1 open read-write on the user's own file "f". */
    private static final class Rig implements AutoCloseable {
        final ShareServerFactory factory;
        final TestSession s;

        Rig(Path share, boolean enforce) throws Exception {
            Files.write(share.resolve("f"), BLOCK);
            Files.setAttribute(share.resolve("f"), "unix:uid", USER);
            Files.setAttribute(share, "unix:uid", USER);
            Files.setPosixFilePermissions(share, PosixFilePermissions.fromString("rwxr-xr-x"));
            factory = new ShareServerFactory(
                    Map.of("share", share),
                    new AllowAll(),
                    new NoAudit(),
                    name -> new ShareSafety.Settings(false, enforce, "devices", true, "unmapped-id", "unmapped-owner"));
            s = TestSession.open(factory);
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "user", "share", USER));
            s.walk(0, 1, "f");
            s.lopen(1, 2);
        }

        void run(Op op, int n) throws P9Exception {
            for (int i = 0; i < n; i++) {
                switch (op) {
                    case GETATTR -> s.call(new TMessage.Tgetattr(1, 0x3fff));
                    case OPEN_CLUNK -> {
                        s.walk(1, 2);
                        s.call(new TMessage.Tlopen(2, 0));
                        s.call(new TMessage.Tclunk(2));
                    }
                    case WRITE_4K -> s.call(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(BLOCK)));
                    case CREATE_UNLINK -> {
                        s.walk(0, 2);
                        s.call(new TMessage.Tlcreate(2, "n", 2, 0644, USER));
                        s.call(new TMessage.Tclunk(2));
                        s.call(new TMessage.Tunlinkat(0, "n", 0));
                    }
                }
            }
        }

        @Override
        public void close() {
            s.close();
            factory.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Path base = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")), "p9gate-dacbench");
        PairedMedians<Op> samples = new PairedMedians<>(Op.class);
        try (Rig trusting = new Rig(Files.createDirectories(base.resolve("guest")), false);
                Rig enforcing = new Rig(Files.createDirectories(base.resolve("enforce")), true)) {
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                for (Op op : Op.values()) {
                    double off = nanosPerOp(trusting, op, op.batch);
                    double on = nanosPerOp(enforcing, op, op.batch);
                    if (round >= WARMUP_ROUNDS) {
                        samples.add(op, off, on);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nin process (FileServer), %d rounds%n", ROUNDS);
        samples.print("guest ns", "enforce ns");
    }

    private static double nanosPerOp(Rig rig, Op op, int n) throws Exception {
        long start = System.nanoTime();
        rig.run(op, n);
        return (System.nanoTime() - start) / (double) n;
    }
}

package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.QuotaPolicyRig;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A reload's scan of VM alpha's quota scopes holds alpha's requests that change what it counts back (docs/policy.md,
 * "Reload"). They must wait without a thread: a Twrite served on alpha's event loop parked that loop for the whole
 * scan, so alpha's other connections on it got no reply to a Tgetattr; and alpha's writes on the workers parked one
 * worker each, every thread of each tier but the one the fair pool leaves the other VMs, so beta's requests ran on
 * two threads where they had four. The scan is held by a seam (PolicyQuotas.whileScanning) instead of a huge tree.
 */
class QuotaScanStallAttackTest {
    private static final int ROOT = 0;
    private static final int O_RDWR_CREAT = 02 | 0100;
    /** A write through an O_DSYNC open waits for the disk: it runs on a worker, never on the connection's loop. */
    private static final int O_DSYNC = 010000;
    /** 9P2000.u open modes: read and write, and remove the file at the fid's clunk (or the session's end). */
    private static final int ORDWR = 2;

    private static final int ORCLOSE = 0x40;

    private static final int WORKERS = 4;
    /** Beta's writes sent at once, each held on the host long enough for the others to start beside it. */
    private static final int BETA_WRITES = 6;

    private static final long HOST_HOLD_MS = 300;
    private static final int ALPHA_WRITES = 8;
    /** Only bounds how long a broken build takes to fail; the assertions count, they do not time. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private QuotaPolicyRig rig;
    private Gateway gateway;
    private Path betaSocket;
    private final List<P9Client> clients = new ArrayList<>();
    private final CountDownLatch scanHeld = new CountDownLatch(1);
    private final CountDownLatch scanGoes = new CountDownLatch(1);
    private Thread reload;

    @BeforeEach
    void setUp() throws Exception {
        Path alphaData = Files.createDirectories(tmp.resolve("alpha"));
        Files.createDirectories(alphaData.resolve("cache"));
        Path betaData = Files.createDirectories(tmp.resolve("beta"));
        betaSocket = tmp.resolve("beta.sock");
        rig = QuotaPolicyRig.withPolicy(
                tmp,
                "alpha",
                socket -> "image: quota-test\nvms:\n"
                        + "  alpha:\n    listen: unix:" + socket + "\n    shares:\n      data:\n        path: "
                        + alphaData + "\n        access: read-write\n        quotas:\n"
                        + "          - {path: /cache, bytes: 1GiB, inodes: 100000}\n"
                        + "  beta:\n    listen: unix:" + betaSocket + "\n    shares:\n      data:\n        path: "
                        + betaData + "\n        access: read-write\n");
        gateway = Gateway.start(new GatewayConfig(
                PolicyListeners.of(rig.holder.current()), rig.shares, GatewayConfig.DEFAULT_MSIZE, WORKERS));
    }

    @AfterEach
    void tearDown() throws Exception {
        scanGoes.countDown();
        if (reload != null) {
            reload.join(PATIENCE.toMillis());
        }
        PolicyQuotas.whileScanning(null);
        FileIo.whileWriting(null, null);
        clients.forEach(P9Client::close);
        if (gateway != null) {
            gateway.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aWriteHeldBackByTheScanLeavesTheVmsEventLoopServing() throws Exception {
        P9Client writer = alpha();
        writer.walk(ROOT, 1, "cache");
        writer.lcreate(1, "f", O_RDWR_CREAT, 0644, 0);
        // Every loop of alpha's group has one of these after the writer's (the acceptor hands them out in turn).
        List<P9Client> others = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            others.add(alpha());
        }
        holdAlphasScan();

        PendingCall write = writer.send(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(new byte[100])));
        List<PendingCall> stats = new ArrayList<>();
        for (P9Client other : others) {
            stats.add(other.send(new TMessage.Tgetattr(ROOT, Attr.GETATTR_MODE)));
        }
        int unanswered = 0;
        for (PendingCall stat : stats) {
            if (!(answeredWithin(stat, Duration.ofSeconds(3)) instanceof RMessage.Rgetattr)) {
                unanswered++;
            }
        }
        boolean writeWaited = !write.reply().isDone();
        scanGoes.countDown();
        reload.join(PATIENCE.toMillis());

        assertEquals(
                0,
                unanswered,
                "Tgetattrs of alpha's " + others.size()
                        + " other connections not answered within 3 s while its write waited for the scan");
        assertTrue(writeWaited, "the write waits for the scan");
        assertEquals(100, ((RMessage.Rwrite) writer.await(write)).count(), "the write, once the scan is over");
    }

    @Test
    void writesHeldBackByOneVmsScanLeaveTheOtherVmItsWorkers() throws Exception {
        P9Client a = alphaWithSyncedFiles();
        P9Client b = beta();
        AtomicInteger most = betaFilesHeldOnTheHost(b);

        a.write(10, 0, new byte[100]); // alpha is active in both rounds, as the fair pool counts it
        long quietWorst = betaWrites(b);
        int quiet = most.getAndSet(0);

        holdAlphasScan();
        List<PendingCall> alphas = new ArrayList<>();
        for (int i = 0; i < ALPHA_WRITES; i++) {
            alphas.add(a.send(new TMessage.Twrite(10 + i, 0, Unpooled.wrappedBuffer(new byte[100]))));
        }
        Thread.sleep(500); // alpha's writes reach the workers and the scan's lock
        long scanWorst = betaWrites(b);
        int duringScan = most.get();
        boolean alphaWaited = alphas.stream().noneMatch(w -> w.reply().isDone());
        scanGoes.countDown();
        reload.join(PATIENCE.toMillis());
        for (PendingCall w : alphas) {
            assertEquals(100, ((RMessage.Rwrite) a.await(w)).count(), "alpha's write, once the scan is over");
        }

        assertTrue(alphaWaited, "alpha's writes wait for its scan");
        assertTrue(
                duringScan >= quiet,
                "beta's writes on the host at once: " + duringScan + " while alpha's scan held its writes back, "
                        + quiet + " before (beta's slowest reply " + scanWorst + " ms, before " + quietWorst
                        + " ms)");
    }

    /**
     * A stop while alpha's scan holds its writes back: each is answered (EIO, never started), not lost to the
     * connection's close. Before, the drain waited for them half its step (3.5 s), then closed the connections with
     * their tags outstanding; the time the stop took is printed, not asserted.
     */
    @Test
    void aStopAnswersTheWritesTheScanHoldsBack() throws Exception {
        P9Client a = alphaWithSyncedFiles();
        holdAlphasScan();
        List<PendingCall> alphas = new ArrayList<>();
        for (int i = 0; i < ALPHA_WRITES; i++) {
            alphas.add(a.send(new TMessage.Twrite(10 + i, 0, Unpooled.wrappedBuffer(new byte[100]))));
        }
        Thread.sleep(500); // alpha's writes reach the workers and the scan's lock
        boolean alphaWaited = alphas.stream().noneMatch(w -> w.reply().isDone());

        long start = System.nanoTime();
        gateway.close();
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        gateway = null;
        System.out.println("QuotaScanStallAttackTest: the stop took " + stopMs + " ms with " + ALPHA_WRITES
                + " writes held back by the scan");
        int answered = 0;
        for (PendingCall w : alphas) {
            if (answeredWithin(w, PATIENCE) instanceof RMessage.Rlerror(var errno) && errno == Errno.EIO) {
                answered++;
            }
        }

        assertTrue(alphaWaited, "alpha's writes wait for its scan");
        assertEquals(ALPHA_WRITES, answered, "writes held back answered EIO by the stop (took " + stopMs + " ms)");
        assertTrue(Files.readAllBytes(tmp.resolve("alpha/cache/f0")).length == 0, "never started");
    }

    /**
     * A session's end removes its ORCLOSE files (FileServer.close), which changes what alpha's quota counts: that
     * removal, too, must wait for alpha's scan without a worker. Before, each connection alpha closed during the scan
     * parked a worker in Quotas.changing() until the scan ended, as its writes did before 554723fb: the session's end
     * is no request, so nothing judged it. Also a Tversion's close of the session before it (same close).
     */
    @ParameterizedTest(name = "by Tversion: {0}")
    @ValueSource(booleans = {false, true})
    void sessionEndsHeldBackByOneVmsScanLeaveTheOtherVmItsWorkers(boolean byTversion) throws Exception {
        List<P9Client> ending = new ArrayList<>();
        for (int i = 0; i < ALPHA_WRITES; i++) {
            P9Client c = legacy(rig.socket, "alpha");
            c.walk(ROOT, 1, "cache");
            c.rpc(new TMessage.Tcreate(1, "gone" + i, 0644, ORDWR | ORCLOSE, Optional.of("")));
            ending.add(c);
        }
        P9Client b = beta();
        AtomicInteger most = betaFilesHeldOnTheHost(b);

        long quietWorst = betaWrites(b);
        int quiet = most.getAndSet(0);

        holdAlphasScan();
        List<PendingCall> versions = new ArrayList<>();
        for (P9Client c : ending) {
            if (byTversion) {
                versions.add(c.send(new TMessage.Tversion(GatewayConfig.DEFAULT_MSIZE, "9P2000.u")));
            } else {
                c.close();
            }
        }
        Thread.sleep(500); // the gateway reads alpha's Tversions or sees its connections end, and closes the sessions
        long scanWorst = betaWrites(b);
        int duringScan = most.get();
        long leftDuringScan = alphasOrcloseFiles();
        scanGoes.countDown();
        reload.join(PATIENCE.toMillis());
        for (PendingCall version : versions) {
            assertTrue(version.reply().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS) instanceof RMessage.Rversion);
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (alphasOrcloseFiles() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertEquals(ALPHA_WRITES, leftDuringScan, "alpha's ORCLOSE files wait for its scan");
        assertEquals(0, alphasOrcloseFiles(), "alpha's ORCLOSE files, removed once the scan is over");
        assertTrue(
                duringScan >= quiet,
                "beta's writes on the host at once: " + duringScan + " while alpha's scan held its sessions' ends"
                        + " back, " + quiet + " before (beta's slowest reply " + scanWorst + " ms, before " + quietWorst
                        + " ms)");
    }

    /** How many of alpha's ORCLOSE files are still on the host. */
    private long alphasOrcloseFiles() throws IOException {
        try (Stream<Path> files = Files.list(tmp.resolve("alpha").resolve("cache"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("gone"))
                    .count();
        }
    }

    /**
     * Beta's files for {@link #betaWrites}, each write through them held {@link #HOST_HOLD_MS} on the host; returns
     * the most of them on the host at once, so far.
     */
    private static AtomicInteger betaFilesHeldOnTheHost(P9Client b) throws Exception {
        for (int i = 0; i < BETA_WRITES; i++) {
            b.walk(ROOT, 10 + i);
            b.lcreate(10 + i, "g" + i, O_RDWR_CREAT | O_DSYNC, 0644, 0);
        }
        AtomicInteger onHost = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        FileIo.whileWriting(
                () -> {
                    most.accumulateAndGet(onHost.incrementAndGet(), Math::max);
                    sleepQuietly(HOST_HOLD_MS);
                },
                onHost::decrementAndGet);
        return most;
    }

    /** Sends beta's writes at once; the slowest reply's wait, in ms. */
    private long betaWrites(P9Client b) throws Exception {
        long start = System.nanoTime();
        List<PendingCall> writes = new ArrayList<>();
        for (int i = 0; i < BETA_WRITES; i++) {
            writes.add(b.send(new TMessage.Twrite(10 + i, 0, Unpooled.wrappedBuffer(new byte[100]))));
        }
        for (PendingCall w : writes) {
            b.await(w);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** A reload whose scan of alpha's scopes holds alpha's changing requests back until {@link #scanGoes}. */
    private void holdAlphasScan() throws InterruptedException {
        PolicyQuotas.whileScanning(() -> {
            scanHeld.countDown();
            try {
                scanGoes.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        reload = Thread.ofPlatform().start(() -> rig.quotas.rebuild(rig.holder.current()));
        assertTrue(scanHeld.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "the scan began");
    }

    private static RMessage answeredWithin(PendingCall call, Duration wait) {
        try {
            return call.reply().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Alpha's client with {@link #ALPHA_WRITES} files in /cache open O_DSYNC for writing, as fids 10 and on. */
    private P9Client alphaWithSyncedFiles() throws Exception {
        P9Client a = alpha();
        a.walk(ROOT, 1, "cache");
        for (int i = 0; i < ALPHA_WRITES; i++) {
            a.walk(1, 10 + i);
            a.lcreate(10 + i, "f" + i, O_RDWR_CREAT | O_DSYNC, 0644, 0);
        }
        return a;
    }

    private P9Client alpha() throws Exception {
        return open(rig.socket, "alpha");
    }

    private P9Client beta() throws Exception {
        return open(betaSocket, "beta");
    }

    /** A 9P2000.u session: its Tcreate may ask ORCLOSE. */
    private P9Client legacy(Path socket, String vm) throws Exception {
        P9Client c = P9Client.connect(UnixDomainSocketAddress.of(socket), GatewayConfig.DEFAULT_MSIZE);
        clients.add(c);
        c.timeout(PATIENCE);
        c.version(GatewayConfig.DEFAULT_MSIZE, "9P2000.u");
        c.attach(ROOT, vm, "data", 0);
        return c;
    }

    private P9Client open(Path socket, String vm) throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(socket), GatewayConfig.DEFAULT_MSIZE);
        clients.add(c);
        c.timeout(PATIENCE);
        c.attach(ROOT, vm, "data", 0);
        return c;
    }
}

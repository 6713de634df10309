package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that revokes a VM's certificate (its CA replaced) while the VM's writes are on the host and a Tmkdir it
 * sent after the swap waits for a worker (the writes hold all four of the rig's). Closed at once, the writes'
 * replies were lost, their bytes on the host, and the Tmkdir still ran when a worker freed: the policy still has the
 * VM, so it was allowed, recorded and performed for a connection no longer that VM's. Drained, the writes are answered
 * and the Tmkdir is not started (EIO, no record).
 */
class RevokedInFlightReplyTest {
    private static final int MSIZE = 65536;
    /** The rig's worker threads: two prompt, two bulk (FairWorkerPool), all of which one VM alone may use. */
    private static final int WORKERS = 4;

    private static final int O_RDWR = 2;
    /** A write through an O_DSYNC open waits for the disk: it runs on a worker, never on the connection's loop. */
    private static final int O_DSYNC = 010000;

    private static final byte[] BYTES = "written while revoked".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    java.nio.file.Path tmp;

    @AfterEach
    void removeSeam() {
        FileIo.whileWriting(null, null);
    }

    /** Before: the writes' replies were lost and the Tmkdir sent after the swap made its directory on the host. */
    @Test
    void aRevokedVmsWritesAreAnsweredAndWhatItSentAfterTheSwapNeverRuns() throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        TestPki other = IdentityRig.pki(tmp.resolve("other"), "a");
        int port = freePort();
        String vms = """
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a"}
                  shares: {a: {path: %%A, access: read-write}}
                """;
        try (IdentityRig rig = new IdentityRig(tmp)
                        .start(vms.formatted(port, pki.dir().resolve(TestPki.CA_CERT)), IdentityRig.serverTls(pki));
                P9Client c = P9Client.open(new InetSocketAddress("127.0.0.1", port), MSIZE, client(pki))) {
            c.attach(0, "root", "a", 0);
            List<PendingCall> writes = new ArrayList<>();
            CountDownLatch allOnHost = new CountDownLatch(WORKERS);
            CountDownLatch reloaded = new CountDownLatch(1);
            for (int fid = 1; fid <= WORKERS; fid++) {
                c.walk(0, fid);
                c.lcreate(fid, "f" + fid, O_RDWR | O_DSYNC, 0644, 0);
            }
            FileIo.whileWriting(() -> {}, () -> {
                allOnHost.countDown();
                awaitQuietly(reloaded);
            });
            for (int fid = 1; fid <= WORKERS; fid++) {
                writes.add(c.send(new TMessage.Twrite(fid, 0, Unpooled.wrappedBuffer(BYTES))));
            }
            assertTrue(allOnHost.await(10, TimeUnit.SECONDS), "the writes hold every worker");

            rig.write(vms.formatted(port, other.dir().resolve(TestPki.CA_CERT)));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
            PendingCall mkdir = c.send(new TMessage.Tmkdir(0, "sent-after-the-swap", 0755, 0));
            Thread.sleep(200); // read, and queued in the lane for a worker
            Set<String> now = rig.holder.current().listeners().keySet();
            assertEquals(1, rig.gateway.closeConnectionsNoLongerIdentified(now::contains), "its CA is no longer a's");
            Thread.sleep(200); // closed at once, or drained
            reloaded.countDown();
            List<Object> replies = writes.stream().map(w -> replyOrLoss(c, w)).toList();
            Object m = replyOrLoss(c, mkdir);

            for (int fid = 1; fid <= WORKERS; fid++) {
                assertArrayEquals(BYTES, Files.readAllBytes(rig.shareA.resolve("f" + fid)));
            }
            assertEquals(Collections.nCopies(WORKERS, new RMessage.Rwrite(BYTES.length)), replies);
            waitClosed(c);
            assertFalse(Files.exists(rig.shareA.resolve("sent-after-the-swap")), "performed: " + m);
            assertEquals(
                    List.of(),
                    rig.records.stream()
                            .filter(e -> e.message() == MessageType.TMKDIR)
                            .toList(),
                    "recorded: " + m);
            assertFalse(c.isOpen(), "the drained connection closes");
        }
    }

    private static Object replyOrLoss(P9Client c, PendingCall call) {
        try {
            return c.await(call);
        } catch (Exception lost) {
            return lost;
        }
    }

    private static void waitClosed(P9Client c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (c.isOpen() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static SslContext client(TestPki pki) throws Exception {
        return ClientTls.of(
                pki.dir().resolve("a").resolve(TestPki.CLIENT_CERT),
                pki.dir().resolve("a").resolve(TestPki.CLIENT_KEY),
                pki.dir().resolve(TestPki.CA_CERT));
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}

package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.adversarial.HostWritesHeld;
import io.p9gate.gateway.client.ClientEnd;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that revokes a VM's certificate (its CA replaced) while the VM's writes are on the host and a Tmkdir it
 * sent after the swap waits for a worker (the writes hold all four of the rig's). Closed at once, the writes'
 * replies were lost, their bytes on the host, and the Tmkdir still ran when a worker freed: the policy still has the
 * VM, so it was allowed, recorded and performed for a connection no longer that VM's. Drained, the writes are answered
 * and the Tmkdir is not started (EIO, no record).
 */
class RevokedInFlightReplyTest {
    /** The rig's worker threads: two prompt, two bulk (FairWorkerPool), all of which one VM alone may use. */
    private static final int WORKERS = 4;

    private static final int O_RDWR = 2;
    /** A write through an O_DSYNC open waits for the disk: it runs on a worker, never on the connection's loop. */
    private static final int O_DSYNC = 010000;

    private static final byte[] BYTES = "written while revoked".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    java.nio.file.Path tmp;

    @RegisterExtension
    final HostWritesHeld held = new HostWritesHeld();

    /** Before: the writes' replies were lost and the Tmkdir sent after the swap made its directory on the host. */
    @Test
    void aRevokedVmsWritesAreAnsweredAndWhatItSentAfterTheSwapNeverRuns() throws Exception {
        revokedWhileOnTheHost(Then.NOTHING);
    }

    /**
     * A Tversion sent behind the Tmkdir waits for the requests in flight; a drain that found it waiting closed the
     * connection at once without marking it drained, so the Tmkdir queued for a worker still ran when one freed:
     * allowed, recorded and performed for a connection no longer a's (the drain evaded by one more frame).
     */
    @Test
    void aTversionWaitingBehindTheRevokedVmsRequestsDoesNotLetTheQueuedOneRun() throws Exception {
        revokedWhileOnTheHost(Then.TVERSION);
    }

    /**
     * The guest disconnects once the Tmkdir is read: the reload's pass no longer finds the connection, and the Tmkdir
     * queued for a worker still ran when one freed, allowed, recorded and performed as a after the revocation. A
     * request of a connection gone is not started: nobody is left to answer.
     */
    @Test
    void aDisconnectBeforeTheRevocationDoesNotLetTheQueuedRequestRun() throws Exception {
        revokedWhileOnTheHost(Then.DISCONNECT);
    }

    /** What the guest does once the Tmkdir is sent. */
    private enum Then {
        NOTHING,
        TVERSION,
        DISCONNECT
    }

    private void revokedWhileOnTheHost(Then then) throws Exception {
        try (TlsVmConnected a = TlsVmConnected.start(tmp, "read-write")) {
            IdentityRig rig = a.rig;
            P9Client c = a.client;
            List<PendingCall> writes = new ArrayList<>();
            for (int fid = 1; fid <= WORKERS; fid++) {
                c.walk(0, fid);
                c.lcreate(fid, "f" + fid, O_RDWR | O_DSYNC, 0644, 0);
            }
            CountDownLatch allOnHost = held.afterTheirBytes(WORKERS);
            for (int fid = 1; fid <= WORKERS; fid++) {
                writes.add(c.send(new TMessage.Twrite(fid, 0, Unpooled.wrappedBuffer(BYTES))));
            }
            assertTrue(allOnHost.await(10, TimeUnit.SECONDS), "the writes hold every worker");

            a.reloadWithAnotherCa();
            PendingCall mkdir = c.send(new TMessage.Tmkdir(0, "sent-after-the-swap", 0755, 0));
            if (then == Then.TVERSION) {
                c.send(new TMessage.Tversion(c.msize(), P9Client.VERSION)); // waits for the five requests in flight
            }
            Thread.sleep(200); // read, and queued in the lane for a worker
            if (then == Then.DISCONNECT) {
                c.close();
                Thread.sleep(200); // the gateway saw the connection end
            }
            Set<String> now = a.vmsNow();
            assertEquals(
                    then == Then.DISCONNECT ? 0 : 1,
                    rig.gateway.closeConnectionsNoLongerIdentified(now::contains),
                    "its CA is no longer a's");
            Thread.sleep(200); // closed at once, or drained
            held.release();
            List<Object> replies =
                    writes.stream().map(w -> ClientEnd.replyOrLoss(c, w)).toList();
            Object m = ClientEnd.replyOrLoss(c, mkdir);

            ClientEnd.closedWithin(c, Duration.ofSeconds(5));
            if (m instanceof Exception) {
                // Its reply lost (closed at once, before the writes ended): a worker they free may still take it.
                awaitPerformedOrRecorded(rig, 2);
            }
            assertFalse(Files.exists(rig.shareA.resolve("sent-after-the-swap")), "performed: " + m);
            assertEquals(
                    List.of(),
                    rig.records.stream()
                            .filter(e -> e.message() == MessageType.TMKDIR)
                            .toList(),
                    "recorded: " + m);
            for (int fid = 1; fid <= WORKERS; fid++) {
                assertArrayEquals(BYTES, Files.readAllBytes(rig.shareA.resolve("f" + fid)));
            }
            if (then != Then.DISCONNECT) {
                assertEquals(Collections.nCopies(WORKERS, new RMessage.Rwrite(BYTES.length)), replies);
            }
            assertFalse(c.isOpen(), "the drained connection closes");
        }
    }

    /** Waits up to {@code seconds} for the Tmkdir to be performed or recorded (it should be neither). */
    private static void awaitPerformedOrRecorded(IdentityRig rig, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline
                && !Files.exists(rig.shareA.resolve("sent-after-the-swap"))
                && rig.records.stream().noneMatch(e -> e.message() == MessageType.TMKDIR)) {
            Thread.sleep(20);
        }
    }
}

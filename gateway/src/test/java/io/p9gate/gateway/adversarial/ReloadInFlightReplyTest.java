package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.ClientEnd;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that removes a VM closes its connections (Gateway#closeConnectionsOf; a revoked certificate's go the same
 * way, Gateway#closeConnectionsNoLongerIdentified) while a Twrite is on the host. Closed at once, the write's Rwrite
 * went to a closed channel and the 6.1 kernel client answered the write(2) EFAULT, its bytes on the host (as a stop
 * did before GatewayStopInFlightReplyTest). Drained instead, for a short bound: the write is answered, nothing the VM
 * sends after is performed, and a write the host blocks keeps the connection open no longer than the bound.
 */
class ReloadInFlightReplyTest {
    private static final int O_RDWR = 2;
    /** A write through an O_DSYNC open waits for the disk: it runs on a worker, never on the connection's loop. */
    private static final int O_DSYNC = 010000;

    private static final byte[] BYTES = "written while reloading".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @RegisterExtension
    final HostWritesHeld held = new HostWritesHeld();

    /** Before: the write's reply was lost (IOException: the connection closed), its bytes on the host. */
    @Test
    void aWriteInFlightWhenAReloadRemovesTheVmIsAnsweredAndNothingAfterIsPerformed() throws Exception {
        try (HostShareGateway gw = HostShareGateway.budgeted(tmp, Limits.UNLIMITED, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            guest.walk(0, 1); // the share's root, kept for the mkdirs
            guest.lcreate(0, "f", O_RDWR, 0644, 0);
            CountDownLatch onHost = held.afterTheirBytes(1);
            PendingCall write = guest.send(new TMessage.Twrite(0, 0, Unpooled.wrappedBuffer(BYTES)));
            assertTrue(onHost.await(10, TimeUnit.SECONDS), "the write's bytes reached the host");

            removeTheVm(gw);
            PendingCall beforeClose = guest.send(new TMessage.Tmkdir(1, "sent-after-the-swap", 0755, 0));
            assertEquals(1, gw.closeConnectionsOf("guest"::equals));
            PendingCall afterClose = guest.send(new TMessage.Tmkdir(1, "sent-while-draining", 0755, 0));
            ClientEnd.closedWithin(guest, Duration.ofSeconds(1)); // closed at once, or drained
            held.release();
            Object reply = ClientEnd.replyOrLoss(guest, write);
            Object refused = ClientEnd.replyOrLoss(guest, beforeClose);
            Object dropped = ClientEnd.replyOrLoss(guest, afterClose);

            assertArrayEquals(BYTES, Files.readAllBytes(gw.share("data").resolve("f")));
            assertEquals(new RMessage.Rwrite(BYTES.length), reply, "the guest is told its bytes landed");
            assertFalse(Files.exists(gw.share("data").resolve("sent-after-the-swap")), "" + refused);
            assertFalse(Files.exists(gw.share("data").resolve("sent-while-draining")), "" + dropped);
            List<AuditEntry> mkdirsAllowed = gw.records.stream()
                    .filter(e ->
                            e.message() == MessageType.TMKDIR && e.decision().allowed())
                    .toList();
            assertEquals(List.of(), mkdirsAllowed, "no record says a request after the swap was allowed");
            assertTrue(ClientEnd.closedWithin(guest, Duration.ofSeconds(5)), "the drained connection closes");
        }
    }

    /** A write the host blocks keeps the removed VM's connection open for the drain's bound only (2 s), not for ever. */
    @Test
    void aWriteTheHostBlocksKeepsTheRemovedVmsConnectionOpenOnlyBriefly() throws Exception {
        try (HostShareGateway gw = HostShareGateway.budgeted(tmp, Limits.UNLIMITED, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            guest.lcreate(0, "f", O_RDWR | O_DSYNC, 0644, 0);
            CountDownLatch onHost = held.afterTheirBytes(1);
            try {
                guest.send(new TMessage.Twrite(0, 0, Unpooled.wrappedBuffer(BYTES)));
                assertTrue(onHost.await(10, TimeUnit.SECONDS), "the write reached the host");
                removeTheVm(gw);
                long start = System.nanoTime();
                assertEquals(1, gw.closeConnectionsOf("guest"::equals));
                assertTrue(
                        ClientEnd.closedWithin(guest, Duration.ofSeconds(6)),
                        "closed though the host still blocks the write");
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(tookMs < 5000, "closed after " + tookMs + " ms");
                assertEquals(1, descriptorsOf(gw.share("data").resolve("f")), "the session still holds f open");
            } finally {
                held.release();
            }
            // The write ends after its connection closed: the session must end then, its fids and descriptors given
            // back (before, the drain's close after the last answer found the channel closed and ended nothing).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (descriptorsOf(gw.share("data").resolve("f")) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, descriptorsOf(gw.share("data").resolve("f")), "the session ended and closed f");
        }
    }

    /** How many of this process's descriptors are open on {@code file}. */
    private static long descriptorsOf(Path file) throws IOException {
        Path real = file.toRealPath();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(real);
                        } catch (IOException gone) {
                            return false;
                        }
                    })
                    .count();
        }
    }

    /** Rewrites the policy without VM "guest" (another VM, on another socket, in its place) and reloads it. */
    private static void removeTheVm(HostShareGateway gw) throws IOException {
        String yaml = Files.readString(gw.policyFile)
                .replace("  guest:\n", "  other:\n")
                .replace("guest.sock", "other.sock");
        Files.writeString(gw.policyFile, yaml);
        gw.reload();
    }
}

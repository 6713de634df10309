package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.ClientEnd;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
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
 * A gateway stop while a Twrite is on the host (R-ROB-3, R-AUD-1): the write happens, so its record must be in the
 * log, and the guest must be told it happened. The stop closed every connection at once, and the worker's Rwrite went
 * to a closed channel: the 6.1 kernel client takes that end as an empty reply and answered the write(2) EFAULT
 * (docs/deploy.md, cli.GuestGatewayLifeIT) though its bytes were on the host.
 */
class GatewayStopInFlightReplyTest {
    private static final int O_RDWR = 2;
    private static final byte[] BYTES = "written while stopping".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @RegisterExtension
    final HostWritesHeld held = new HostWritesHeld();

    /** Before: the write's reply was lost (IOException: the connection closed), its bytes on the host. */
    @Test
    void aWriteInFlightAtTheStopIsAnsweredAndRecorded() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", 0)) {
            guest.lcreate(0, "f", O_RDWR, 0644, 0);
            CountDownLatch onHost = held.beforeTheirBytes(1);
            PendingCall write = guest.send(new TMessage.Twrite(0, 0, Unpooled.wrappedBuffer(BYTES)));
            assertTrue(onHost.await(10, TimeUnit.SECONDS), "the write reached the host");

            Thread stop = Thread.ofPlatform().start(gw::closeGateway);
            ClientEnd.closedWithin(guest, Duration.ofSeconds(1)); // the stop closes it at once, or drains it
            held.release();
            Object reply = ClientEnd.replyOrLoss(guest, write);
            stop.join(TimeUnit.SECONDS.toMillis(30));

            // Either way: the bytes are on the host, and so is the record that says so (its intent, as announced).
            assertArrayEquals(BYTES, Files.readAllBytes(gw.share("data").resolve("f")));
            List<AuditEntry> writes = gw.records.stream()
                    .filter(e -> e.message() == MessageType.TWRITE)
                    .toList();
            assertEquals(
                    List.of(RecordPhase.INTENT),
                    writes.stream().map(AuditEntry::phase).toList(),
                    "" + writes);
            assertEquals(BYTES.length, writes.getFirst().outcome().bytes());
            assertEquals(new RMessage.Rwrite(BYTES.length), reply, "the guest is told");
        }
    }
}

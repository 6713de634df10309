package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A guest that floods requests answered without a worker (malformed frames, Tflush of free tags)
 * and never reads its replies must not make the gateway queue them without limit (R-ROB-1/2).
 */
class SessionFloodTest {
    private static final int MAX = 65536;
    private static final int MSIZE = 8192;
    /** Room for the one reply written before the gate looks at the queue. */
    private static final int ONE_SMALL_REPLY = 128;

    /** A 7-byte Tclunk without its fid: a malformed body, answered Rlerror(EPROTO) without a worker. */
    private static void malformed(ByteBuf into, int tag) {
        into.writeIntLE(7).writeByte(120).writeShortLE(tag);
    }

    private static EmbeddedSession negotiated(UnreadingPeer peer) throws Exception {
        EmbeddedSession s = new EmbeddedSession(MAX);
        s.negotiate(MSIZE);
        s.replies();
        s.channel.pipeline().addFirst("unreading-peer", peer);
        return s;
    }

    @Test
    void readingPausesWhileImmediateRepliesPileUpAndResumesOnceTheGuestReads() throws Exception {
        UnreadingPeer peer = new UnreadingPeer();
        try (EmbeddedSession s = negotiated(peer)) {
            s.channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1024, 2048));
            int sent = 0;
            // Like the transport: nothing more is read once the session turns reading off.
            while (s.channel.config().isAutoRead() && sent < 100_000) {
                ByteBuf frame = Unpooled.buffer();
                if (sent % 2 == 0) {
                    malformed(frame, sent % 60_000);
                } else {
                    frame.writeBytes(EmbeddedSession.encode(new Frame(sent % 60_000, new TMessage.Tflush(65_000))));
                }
                s.feed(frame);
                sent++;
            }
            assertFalse(s.channel.config().isAutoRead(), "still reading after " + sent + " unread replies");
            assertTrue(s.channel.isActive());
            assertTrue(peer.mostQueued() <= 2048 + ONE_SMALL_REPLY, "queued " + peer.mostQueued() + " bytes");

            peer.startReading(s.channel.pipeline().context(peer));
            List<Frame> replies = s.replies();
            assertTrue(s.channel.config().isAutoRead(), "reading resumes once the replies are gone");
            assertEquals(sent, replies.size(), "every request answered");
            assertInstanceOf(RMessage.Rlerror.class, replies.get(0).body());
            assertInstanceOf(RMessage.Rflush.class, replies.get(1).body());
        }
    }

    @Test
    void aGuestThatLeavesRepliesUnreadPastTheCapIsDisconnected() throws Exception {
        UnreadingPeer peer = new UnreadingPeer();
        try (EmbeddedSession s = negotiated(peer)) {
            long cap = OutboundLimit.of(
                    s.channel.config().getWriteBufferHighWaterMark(), SessionSettings.DEFAULT_MAX_OUTSTANDING, MSIZE);
            // One read batch is decoded whole even after reading pauses: make it answer past the cap.
            ByteBuf batch = Unpooled.buffer();
            for (int i = 0; i < 3 * cap / 7; i++) {
                malformed(batch, i % 60_000);
            }
            s.feed(batch);
            assertFalse(s.channel.isActive(), "queued " + peer.mostQueued() + " bytes, cap " + cap);
            assertTrue(peer.mostQueued() <= cap + ONE_SMALL_REPLY, "queued " + peer.mostQueued() + " bytes");
            assertTrue(s.escaped.isEmpty(), () -> "escaped: " + s.escaped);
            s.disconnect();
            assertTrue(s.allInputReleased(), "the rest of the batch is dropped, not leaked");
        }
    }
}

package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * A raw connection a hostile guest sets up request by request and then floods without reading its replies: the
 * gateway's replies pile up on its side, which is what the reply budgets are about.
 */
final class UnreadConnection {
    private UnreadConnection() {}

    /** Sends one request and reads its reply whole; the reply must not be an error. */
    static void sendAndRead(SocketChannel raw, int tag, TMessage request) throws IOException {
        ByteBuffer frame = encoded(tag, request);
        while (frame.hasRemaining()) {
            raw.write(frame);
        }
        ByteBuffer head = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN);
        readFully(raw, head);
        int type = head.get(4) & 0xff;
        readFully(raw, ByteBuffer.allocate(head.getInt(0) - 7));
        assertTrue(type != MessageType.RLERROR.code(), "setting up the unread connection: " + request);
    }

    static ByteBuffer encoded(int tag, TMessage request) {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(tag, request), wire);
        ByteBuffer out = ByteBuffer.wrap(ByteBufUtil.getBytes(wire));
        wire.release();
        return out;
    }

    private static void readFully(SocketChannel raw, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (raw.read(into) < 0) {
                throw new IOException("the gateway closed the connection while it was set up");
            }
        }
    }
}

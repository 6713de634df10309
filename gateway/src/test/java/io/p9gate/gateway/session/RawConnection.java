package io.p9gate.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.codec.Direction;
import io.p9gate.gateway.codec.MessageDecoder;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.TMessage;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A client that picks its own tags (to test tag reuse and flush ordering byte for byte). */
final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    RawConnection(InetSocketAddress address) throws IOException {
        // Opened as a channel, so that a test can also write to it without blocking (channel()).
        socket = java.nio.channels.SocketChannel.open(address).socket();
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        InputStream raw = socket.getInputStream();
        in = new DataInputStream(raw);
    }

    void send(int tag, TMessage request) throws IOException {
        sendTogether(new Frame(tag, request));
    }

    /** Several frames in one write, so the server reads them in one batch. */
    void sendTogether(Frame... frames) throws IOException {
        ByteBuf wire = Unpooled.buffer();
        for (Frame frame : frames) {
            ByteBuf one = EmbeddedSession.encode(frame);
            wire.writeBytes(one);
            one.release();
        }
        try {
            wire.readBytes(out, wire.readableBytes());
            out.flush();
        } finally {
            wire.release();
        }
    }

    Frame receive() throws Exception {
        byte[] sizeBytes = new byte[4];
        in.readFully(sizeBytes);
        int size = Unpooled.wrappedBuffer(sizeBytes).getIntLE(0);
        byte[] rest = new byte[size - 4];
        in.readFully(rest);
        ByteBuf frame = Unpooled.wrappedBuffer(rest);
        Message body =
                MessageDecoder.decode(frame.getUnsignedByte(0), frame.slice(3, rest.length - 3), Direction.REPLIES);
        return new Frame(frame.getUnsignedShortLE(1), body);
    }

    /** The socket as a channel, for writes that must not block; back to blocking before send or receive. */
    java.nio.channels.SocketChannel channel() {
        return socket.getChannel();
    }

    /** True if the server closed the connection (EOF) rather than sending something. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException e) {
            return true;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package io.p9gate.gateway.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/** Counts the client sockets the gateway closed (end of stream, or a reset), as connections it refused at accept. */
public final class ClosedByGateway {
    private ClosedByGateway() {}

    /**
     * How many of {@code channels} (non-blocking) the gateway closed, polled until {@code expected} were or
     * {@code patience} ran out.
     */
    public static int within(List<SocketChannel> channels, int expected, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        boolean[] seen = new boolean[channels.size()];
        int closed = 0;
        ByteBuffer buf = ByteBuffer.allocate(64);
        while (closed < expected && System.nanoTime() < deadline) {
            for (int i = 0; i < channels.size(); i++) {
                if (!seen[i] && endOfStream(channels.get(i), buf)) {
                    seen[i] = true;
                    closed++;
                }
            }
            Thread.sleep(20);
        }
        return closed;
    }

    private static boolean endOfStream(SocketChannel c, ByteBuffer buf) {
        buf.clear();
        try {
            return c.read(buf) < 0;
        } catch (IOException e) {
            return true; // reset: closed by the gateway as well
        }
    }
}

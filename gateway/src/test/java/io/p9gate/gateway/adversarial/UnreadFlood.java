package io.p9gate.gateway.adversarial;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** A VM's connections, each negotiated, then flooded with cheap requests and never read. */
final class UnreadFlood implements AutoCloseable {
    /** Requests per {@link #flushes} batch, about one read of the gateway's. */
    private static final int FLUSH_BATCH = 7000;
    /** The tag every flood Tflush names: never in use. */
    private static final int FREE_TAG = 65000;

    private final List<SocketChannel> connections = new ArrayList<>();

    private UnreadFlood() {}

    /** Opens {@code count} connections, each negotiated and then sent {@code setup} (tag 1), its reply read. */
    static UnreadFlood open(Path socket, long count, int msize, TMessage... setup) throws IOException {
        UnreadFlood flood = new UnreadFlood();
        try {
            for (int c = 0; c < count; c++) {
                SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                flood.connections.add(raw);
                UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(msize, P9Client.VERSION));
                for (TMessage request : setup) {
                    UnreadConnection.sendAndRead(raw, 1, request);
                }
                raw.configureBlocking(false);
            }
        } catch (IOException | RuntimeException e) {
            flood.close();
            throw e;
        }
        return flood;
    }

    int size() {
        return connections.size();
    }

    /**
     * Writes {@code batch.apply(n)} on every connection, the next {@code n} once one is taken, until no connection
     * takes another byte for half a second: the gateway stopped reading them all. New tags each batch: frames of
     * the last batch may still wait unanswered in the gateway's read, and a tag sent again while outstanding ends
     * the connection (a reused tag).
     *
     * @return how many connections the gateway closed meanwhile
     */
    int untilUnread(IntFunction<ByteBuffer> batch, int maxRounds) throws InterruptedException {
        int count = connections.size();
        List<ByteBuffer> pending = new ArrayList<>();
        int[] batches = new int[count];
        boolean[] cut = new boolean[count];
        for (int c = 0; c < count; c++) {
            pending.add(batch.apply(0));
        }
        for (int idle = 0, round = 0; idle < 50 && round < maxRounds; round++) {
            boolean took = false;
            for (int c = 0; c < count; c++) {
                ByteBuffer out = pending.get(c);
                if (cut[c]) {
                    continue;
                }
                if (!out.hasRemaining()) {
                    out = batch.apply(++batches[c]);
                    pending.set(c, out);
                }
                try {
                    took |= connections.get(c).write(out) > 0;
                } catch (IOException e) {
                    cut[c] = true;
                }
            }
            idle = took ? 0 : idle + 1;
            Thread.sleep(10);
        }
        int closed = 0;
        for (boolean c : cut) {
            closed += c ? 1 : 0;
        }
        return closed;
    }

    /**
     * {@value #FLUSH_BATCH} Tflushes of a tag never in use, each under its own tag, the {@code n}th batch's after the
     * one before's: about one read of the gateway's of cheap requests, each answered at once without admission.
     */
    static ByteBuffer flushes(int n) {
        ByteBuffer all = ByteBuffer.allocate(FLUSH_BATCH * 9);
        for (int i = 0; i < FLUSH_BATCH; i++) {
            int tag = 1 + (int) (((long) n * FLUSH_BATCH + i) % (FREE_TAG - 1));
            all.put(UnreadConnection.encoded(tag, new TMessage.Tflush(FREE_TAG)));
        }
        return all.flip();
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel raw : connections) {
            raw.close();
        }
    }
}

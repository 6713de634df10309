package io.p9gate.bench.load;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

/**
 * Keeps up to {@code size} requests outstanding on one connection from one thread: {@link #send}
 * blocks only while the window is full. Replies are consumed on the client's I/O thread, which
 * adds what {@code measure} returns to {@link #total()} and releases reply buffers.
 */
final class Window {
    private final P9Client client;
    private final int size;
    private final Semaphore free;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong total = new AtomicLong();

    Window(P9Client client, int size) {
        this.client = client;
        this.size = size;
        this.free = new Semaphore(size);
    }

    void send(TMessage request, ToLongFunction<RMessage> measure) throws IOException, P9Exception {
        free.acquireUninterruptibly();
        rethrow();
        PendingCall call = client.send(request);
        call.reply().whenComplete((reply, error) -> {
            try {
                if (error != null) {
                    failure.compareAndSet(null, error);
                } else if (reply instanceof RMessage.Rlerror lerror) {
                    failure.compareAndSet(null, new P9Exception(lerror.errno(), request.type() + " failed"));
                } else {
                    total.addAndGet(measure.applyAsLong(reply));
                }
            } finally {
                if (reply != null) {
                    CodecBuffers.releasePayload(reply);
                }
                free.release();
            }
        });
    }

    /** Waits until every request sent has been answered; returns the sum of the measured replies. */
    long drain() throws IOException, P9Exception {
        free.acquireUninterruptibly(size);
        free.release(size);
        rethrow();
        return total.get();
    }

    private void rethrow() throws IOException, P9Exception {
        Throwable t = failure.get();
        switch (t) {
            case null -> {}
            case P9Exception p9 -> throw p9;
            case IOException io -> throw io;
            default -> throw new IOException(t);
        }
    }

    long total() {
        return total.get();
    }
}

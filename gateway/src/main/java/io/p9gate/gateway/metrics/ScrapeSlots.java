package io.p9gate.gateway.metrics;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * The connections the metrics endpoint serves at once. When every slot is taken, a new connection takes the slot of
 * the oldest one that has not yet sent its whole request: a local process holding every slot with connections that
 * send nothing (or a byte at a time) kept every scrape out, for as long as it reconnected before the deadline. Only
 * when every slot is answering a request is the new connection closed unanswered; an answer takes milliseconds.
 */
final class ScrapeSlots {
    private final int size;
    /** Oldest first. */
    private final ArrayDeque<Slot> held = new ArrayDeque<>();

    ScrapeSlots(int size) {
        this.size = size;
    }

    /** One connection holding a slot. */
    static final class Slot {
        private final SocketChannel channel;
        /** Guarded by the {@link ScrapeSlots}. */
        private boolean requested;

        private Slot(SocketChannel channel) {
            this.channel = channel;
        }
    }

    /**
     * A slot for {@code channel}, closing the oldest connection still waiting for its request if none is free;
     * null if every slot is answering a request (the caller closes {@code channel}).
     */
    Slot take(SocketChannel channel) {
        Slot slot = new Slot(channel);
        Slot idle = null;
        synchronized (this) {
            if (held.size() >= size) {
                idle = held.stream().filter(s -> !s.requested).findFirst().orElse(null);
                if (idle == null) {
                    return null;
                }
                held.remove(idle);
            }
            held.addLast(slot);
        }
        if (idle != null) {
            try {
                idle.channel.close(); // its blocked read fails and its scrape ends
            } catch (IOException e) {
                // Closed anyway.
            }
        }
        return slot;
    }

    /** The slot's connection has sent its request: it is answered, not given to a newer connection. */
    synchronized void requested(Slot slot) {
        slot.requested = true;
    }

    synchronized void release(Slot slot) {
        held.remove(slot);
    }
}

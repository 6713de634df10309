package io.p9gate.gateway.codec;

/**
 * The largest frame (header included) a connection accepts and sends: the server's maximum
 * until Tversion, then the negotiated msize. Shared by the decoder, the encoder and the session.
 */
public final class FrameLimit {
    private volatile int max;

    public FrameLimit(int max) {
        set(max);
    }

    public int max() {
        return max;
    }

    public void set(int max) {
        if (max < 7) {
            throw new IllegalArgumentException("frame limit below the 7-byte header: " + max);
        }
        this.max = max;
    }
}

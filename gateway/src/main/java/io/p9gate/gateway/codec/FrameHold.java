package io.p9gate.gateway.codec;

/**
 * Whether a connection's decoder hands on the frames of the read it has in hand. The session holds them while its
 * VM has no room (R-ROB-2): decoded, each Tflush of a free tag or malformed frame of that read was answered at once,
 * a 64 KiB read up to 7,281 replies per connection past the VM's {@code reply-bytes} budget. Held, they wait as
 * bytes in the decoder, at most one read; the read gate asks for no more meanwhile. Event loop only.
 */
public final class FrameHold {
    private boolean held;
    /** Decodes the frames that waited (set by the decoder). */
    private Runnable resume = () -> {};

    public void hold() {
        held = true;
    }

    /** The VM has room again: the frames that waited are decoded now, in order, before any read. */
    public void release() {
        if (held) {
            held = false;
            resume.run();
        }
    }

    public boolean held() {
        return held;
    }

    void onRelease(Runnable decodeWaitingFrames) {
        this.resume = decodeWaitingFrames;
    }
}

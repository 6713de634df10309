package io.p9gate.gateway.session;

/**
 * The most reply bytes (as Netty counts them, per-entry overhead included) one connection may
 * leave queued unread before it is closed (R-ROB-1/2). Reading already pauses at the high-water
 * mark, but a slow yet honest client can still push the queue past it: every request already
 * running answers (up to maxOutstanding full-size replies), and the rest of the read batch in
 * hand is still decoded and answered. Beyond that room plus {@link #SLACK_FRAMES} frames, the
 * peer is not slow but not reading at all, and every VM shares the gateway's direct memory.
 */
final class OutboundLimit {
    /** Frames of room past the worst honest case: Rflushes, Rversion and a partly decoded batch. */
    static final int SLACK_FRAMES = 4;

    private OutboundLimit() {}

    static long of(int highWaterMark, int maxOutstanding, int msize) {
        return highWaterMark + (long) (maxOutstanding + SLACK_FRAMES) * msize;
    }
}

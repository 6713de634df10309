package io.p9gate.gateway.client;

import java.time.Duration;

/** How a test sees a gateway end a client's connection: its calls' replies or their loss, and its close. */
public final class ClientEnd {
    private ClientEnd() {}

    /** {@code call}'s reply, or the exception that says it was lost (the connection closed before it came). */
    public static Object replyOrLoss(P9Client c, PendingCall call) {
        try {
            return c.await(call);
        } catch (Exception lost) {
            return lost;
        }
    }

    /** Whether the gateway closes {@code c} within {@code bound}: a bound on a failure, not a claim of how soon. */
    public static boolean closedWithin(P9Client c, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (c.isOpen() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return !c.isOpen();
    }
}

package io.p9gate.gateway.client;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;

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

    /**
     * A connection a reload ended, as its next request sees it, then its close within 10 s. The close drains it: a
     * request read after the drain began on the connection's loop is not started (EIO); one read before (a loaded
     * machine's loop may read it first) is refused EACCES, as the identity it was made under is no longer in force
     * from the swap on (identity.RequestBeforeReidentificationAttackTest); or the connection is already gone.
     */
    public static void assertEnded(P9Client c, Executable request) throws InterruptedException {
        Throwable refused = Assertions.assertThrows(Exception.class, request);
        Assertions.assertTrue(
                refused instanceof IOException
                        || refused instanceof P9Exception p
                                && Set.of(Errno.EACCES, Errno.EIO).contains(p.errno()),
                "closed, or refused: " + refused);
        Assertions.assertTrue(closedWithin(c, Duration.ofSeconds(10)), "the connection closes");
    }
}

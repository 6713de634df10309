package io.p9gate.gateway.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the renames the gateway makes, on every share of every session and VM: a share path a node learned
 * (from the walk or create that made it) holds only while no rename has begun since. One counter for the whole
 * process, because shares of different VMs may be the same host directory, or one inside another.
 *
 * <p>A rename bumps it before and after its system call. A path learned under an epoch that was read before the
 * first bump is dropped by it; a path learned from the kernel while the rename is under way (either name) is
 * dropped by the second. So a request can be decided on a remembered path only if the rename that outdated it
 * had not begun when the request read the counter: the request is ordered before the rename, as a request
 * whose kernel lookup ran just before the rename always was.
 */
final class RenameEpoch {
    private static final AtomicLong RENAMES = new AtomicLong();

    private RenameEpoch() {}

    static long now() {
        return RENAMES.get();
    }

    /** Around every rename (and when the host is found to have moved a directory): forgets every learned path. */
    static void advance() {
        RENAMES.incrementAndGet();
    }
}

package io.p9gate.gateway.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the renames that may change the share-relative paths of one share's handles: a share path a node learned
 * (from the walk or create that made it) holds only while no such rename has begun since. One counter per open
 * share, advanced by every rename, through any share of any VM, whose directories this share holds
 * ({@link OpenShares}): so a VM renaming in a loop makes only the shares it renames in ask the kernel again, not
 * every share of the process (issue 11).
 *
 * <p>A rename bumps it before and after its system call. A path learned under an epoch that was read before the
 * first bump is dropped by it; a path learned from the kernel while the rename is under way (either name) is
 * dropped by the second. So a request can be decided on a remembered path only if the rename that outdated it
 * had not begun when the request read the counter: the request is ordered before the rename, as a request
 * whose kernel lookup ran just before the rename always was.
 */
final class RenameEpoch {
    private final AtomicLong renames = new AtomicLong();

    long now() {
        return renames.get();
    }

    /** Around every rename that may move a path of this share: forgets every path its handles learned. */
    void advance() {
        renames.incrementAndGet();
    }
}

package io.p9gate.policy.quota;

import io.p9gate.policy.terms.SharePath;

/**
 * A quota of one VM on one share, on the whole share ({@code subtree} "/") or below a subtree (R-POL-6).
 * {@code maxBytes}/{@code maxInodes} are {@link #UNLIMITED} when the policy leaves them out.
 */
public record QuotaSpec(String id, String vm, String share, SharePath subtree, long maxBytes, long maxInodes) {

    public static final long UNLIMITED = Long.MAX_VALUE;

    /** What a quota that sets {@code bytes} but no {@code inodes} allows of inodes: one per 4 KiB of its bytes. */
    public static final long BYTES_PER_IMPLIED_INODE = 4096;

    /**
     * The inodes limit a quota without one gets: {@code bytes} counts only regular files' sizes, so directories,
     * symlink targets (up to 4 KiB each) and xattrs would fill the host's disk uncounted under a bytes-only quota.
     * Each of those lives in an inode and takes about a block: one inode per 4 KiB of the bytes limit bounds them
     * by the bytes limit again (the disk used stays within twice it). Unlimited bytes, unlimited inodes.
     */
    public static long inodesFor(long maxBytes) {
        return maxBytes == UNLIMITED ? UNLIMITED : Math.max(1, maxBytes / BYTES_PER_IMPLIED_INODE);
    }

    public QuotaSpec {
        if (maxBytes < 0 || maxInodes < 0) throw new IllegalArgumentException("quota limits must not be negative");
    }

    /** Whether a write at {@code path} in {@code share} counts against this quota. */
    public boolean covers(String share, SharePath path) {
        return this.share.equals(share) && path.isWithin(subtree);
    }
}

package io.p9gate.policy.quota;

import io.p9gate.policy.terms.SharePath;

/**
 * A quota of one VM on one share, on the whole share ({@code subtree} "/") or below a subtree (R-POL-6).
 * {@code maxBytes}/{@code maxInodes} are {@link #UNLIMITED} when the policy leaves them out.
 */
public record QuotaSpec(String id, String vm, String share, SharePath subtree, long maxBytes, long maxInodes) {

    public static final long UNLIMITED = Long.MAX_VALUE;

    public QuotaSpec {
        if (maxBytes < 0 || maxInodes < 0) throw new IllegalArgumentException("quota limits must not be negative");
    }

    /** Whether a write at {@code path} in {@code share} counts against this quota. */
    public boolean covers(String share, SharePath path) {
        return this.share.equals(share) && path.isWithin(subtree);
    }
}

package io.p9gate.gateway.budget;

/**
 * One VM's budgets as the gateway enforces them (R-ROB-2): the policy's {@code limits:} where it sets them,
 * {@link DefaultLimits} elsewhere. What each one means and what the guest sees: docs/policy.md.
 *
 * @param connections connections open at once; more are closed at accept
 * @param outstanding requests being served at once across the VM's connections; beyond it they are not read
 * @param fids        fids held across the VM's sessions; beyond it EMFILE
 * @param descriptors host descriptors held for the VM; beyond it EMFILE
 * @param xattrBytes  bytes of xattr values announced by Txattrcreate and not yet committed (beyond it ENOSPC), and held by Txattrwalk fids (ENOMEM)
 * @param locks       byte-range lock entries; beyond it ENOLCK
 * @param replyBytes  reply bytes queued unread; beyond it the VM's connections are not read
 * @param weight      turns in the worker pool's round robin when VMs compete
 */
public record Limits(
        long connections,
        long outstanding,
        long fids,
        long descriptors,
        long xattrBytes,
        long locks,
        long replyBytes,
        int weight) {
    /** No limit at all: sessions and tests without budgets. */
    public static final Limits UNLIMITED = new Limits(
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            Long.MAX_VALUE,
            1);

    public Limits {
        if (connections < 1
                || outstanding < 1
                || fids < 1
                || descriptors < 1
                || xattrBytes < 1
                || locks < 1
                || replyBytes < 1
                || weight < 1) {
            throw new IllegalArgumentException("every limit must be at least 1: " + this);
        }
    }
}

package io.p9gate.gateway.metrics;

/**
 * One quota of one VM as the metrics show it: its scope, usage now (reservations in flight included) and
 * limits ({@link #UNLIMITED} when the policy sets none).
 *
 * @param quota the quota's id in the policy
 * @param path  the scope's subtree, share-relative ("/" for the whole share)
 */
public record QuotaScope(
        String vm,
        String quota,
        String share,
        String path,
        long usedBytes,
        long limitBytes,
        long usedInodes,
        long limitInodes) {
    public static final long UNLIMITED = Long.MAX_VALUE;
}

package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.StatFs;
import io.p9gate.policy.quota.QuotaSpec;
import java.util.List;
import java.util.Optional;

/**
 * What Tstatfs may show where quotas contain the path (docs/policy.md, "What df shows"): the limit of one of them as
 * the total, the room left as free and as available alike ({@code df} shows "Avail" from bavail), never more than any
 * of their limits, and nothing left once the scope is full; the same for inodes. The figures are unsigned 64-bit
 * numbers on the wire, compared as such and without multiplying (before, only bfree x bsize was compared, in signed
 * arithmetic: a gateway showing the host's bavail, wrong inode figures, or all ones for "unlimited" passed,
 * ComplianceMutantsTest).
 */
final class QuotaFigures {
    private QuotaFigures() {}

    /**
     * Why {@code shown} breaks that promise, or empty.
     *
     * @param covering the quotas containing the path (at least one)
     * @param bytesFull whether a byte limit of theirs is known to be reached (EDQUOT at the scope's last byte)
     * @param inodesFull whether an inode limit of theirs is known to be reached
     */
    static Optional<String> wrong(StatFs shown, List<QuotaSpec> covering, boolean bytesFull, boolean inodesFull) {
        List<Long> byteLimits =
                limits(covering.stream().map(QuotaSpec::maxBytes).toList());
        List<Long> inodeLimits =
                limits(covering.stream().map(QuotaSpec::maxInodes).toList());
        if (!byteLimits.isEmpty()) {
            if (shown.bsize() <= 0) {
                return Optional.of("block size " + Integer.toUnsignedString(shown.bsize()));
            }
            long bsize = shown.bsize();
            List<Long> blockLimits =
                    byteLimits.stream().map(limit -> limit / bsize).toList();
            Optional<String> blocks = figures(
                    "blocks of " + bsize + " bytes",
                    shown.blocks(),
                    shown.bfree(),
                    shown.bavail(),
                    blockLimits,
                    bytesFull);
            if (blocks.isPresent()) {
                return blocks;
            }
        }
        if (!inodeLimits.isEmpty()) {
            return figures("inodes", shown.files(), shown.ffree(), shown.ffree(), inodeLimits, inodesFull);
        }
        return Optional.empty();
    }

    /** The limits set, without the unlimited ones. */
    private static List<Long> limits(List<Long> all) {
        return all.stream().filter(limit -> limit != QuotaSpec.UNLIMITED).toList();
    }

    /** One kind of figure: the total one of the limits, free and available alike, within every limit and the total. */
    private static Optional<String> figures(
            String unit, long total, long free, long avail, List<Long> limits, boolean full) {
        String shown = "total " + u(total) + ", free " + u(free) + ", available " + u(avail) + " " + unit;
        if (!limits.contains(total)) {
            return Optional.of(shown + ": the total is no containing quota's limit " + limits);
        }
        if (free != avail) {
            return Optional.of(shown + ": free and available differ (both are the quota's room left)");
        }
        long least = limits.stream().min(Long::compareUnsigned).orElseThrow();
        if (Long.compareUnsigned(avail, least) > 0 || Long.compareUnsigned(avail, total) > 0) {
            return Optional.of(shown + ": more room than the quota's limit of " + least);
        }
        if (full && avail != 0) {
            return Optional.of(shown + " with the scope full: room the quota refuses (EDQUOT)");
        }
        return Optional.empty();
    }

    private static String u(long figure) {
        return Long.toUnsignedString(figure);
    }
}

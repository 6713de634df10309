package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import java.util.List;

/**
 * The policy's answer.
 *
 * @param errno        what a denied request fails with (EACCES, ENOENT for hidden paths, EROFS, ...); null if allowed
 * @param ruleIds      the rules that decided, for explain and audit
 * @param policyDigest digest of the policy that decided (e.g. {@code sha256:…}); null when no policy is loaded.
 *                     Carried by the decision itself so that a record names the policy that decided even
 *                     while a reload swaps it (R-AUD-1)
 * @param hostIds      the guest's ids after the VM's mapping; null when no mapping applies (ids are kept)
 * @param replaces     for an allowed rename: whether it may replace the entry at its destination (REMOVE there),
 *                     answered by the same policy that allowed it ({@link AccessPolicy#pinned}); false for
 *                     any other decision
 */
public record Decision(
        boolean allowed, Errno errno, List<String> ruleIds, String policyDigest, HostIds hostIds, boolean replaces) {
    public Decision {
        ruleIds = List.copyOf(ruleIds);
        if (allowed == (errno != null)) {
            throw new IllegalArgumentException("an allowed decision has no errno, a denial has one");
        }
        if (replaces && !allowed) {
            throw new IllegalArgumentException("a denial replaces nothing");
        }
    }

    /** A decision that replaces nothing (any but a rename allowed to replace its destination). */
    public Decision(boolean allowed, Errno errno, List<String> ruleIds, String policyDigest, HostIds hostIds) {
        this(allowed, errno, ruleIds, policyDigest, hostIds, false);
    }

    /** A decision by no particular policy, without id mapping. */
    public Decision(boolean allowed, Errno errno, List<String> ruleIds) {
        this(allowed, errno, ruleIds, null, null, false);
    }

    public static Decision allow(List<String> ruleIds) {
        return new Decision(true, null, ruleIds);
    }

    public static Decision deny(Errno errno, List<String> ruleIds) {
        return new Decision(false, errno, ruleIds);
    }

    /** The same answer, stamped with the policy that gave it and the ids it mapped the guest to. */
    public Decision by(String digest, HostIds ids) {
        return new Decision(allowed, errno, ruleIds, digest, ids, replaces);
    }

    /** The same allowed rename, which may replace the entry at its destination. */
    public Decision replacing() {
        return new Decision(allowed, errno, ruleIds, policyDigest, hostIds, true);
    }
}

package io.p9gate.policy;

import java.util.List;

/**
 * The outcome of one decision. {@code errno} is the Linux errno name a denied operation must fail with
 * (ENOENT, EROFS or EACCES) and null when allowed. {@code ruleIds} names the policies that decided:
 * for an allow every permit that matched, for a deny every forbid that matched (empty for a default
 * deny), sorted, as explain prints them.
 */
public record PolicyDecision(boolean allowed, String errno, List<String> ruleIds) {

    public PolicyDecision {
        ruleIds = List.copyOf(ruleIds);
        if (allowed != (errno == null)) throw new IllegalArgumentException("errno must be set iff denied");
    }

    public static PolicyDecision allow(List<String> ruleIds) {
        return new PolicyDecision(true, null, ruleIds);
    }

    public static PolicyDecision deny(String errno, List<String> ruleIds) {
        return new PolicyDecision(false, errno, ruleIds);
    }

    /** "allow" or the errno name, as policy test files spell expectations. */
    public String outcome() {
        return allowed ? "allow" : errno;
    }
}

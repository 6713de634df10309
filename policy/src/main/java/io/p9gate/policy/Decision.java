package io.p9gate.policy;

import java.util.List;

/**
 * The outcome of one decision. {@code errno} is the Linux errno name a denied operation must fail with
 * (ENOENT, EROFS or EACCES) and null when allowed. {@code ruleIds} names the policies that decided:
 * for an allow every permit that matched, for a deny every forbid that matched (empty for a default
 * deny), sorted, as explain prints them.
 */
public record Decision(boolean allowed, String errno, List<String> ruleIds) {

    public Decision {
        ruleIds = List.copyOf(ruleIds);
        if (allowed != (errno == null)) throw new IllegalArgumentException("errno must be set iff denied");
    }

    public static Decision allow(List<String> ruleIds) {
        return new Decision(true, null, ruleIds);
    }

    public static Decision deny(String errno, List<String> ruleIds) {
        return new Decision(false, errno, ruleIds);
    }

    /** "allow" or the errno name, as policy test files spell expectations. */
    public String outcome() {
        return allowed ? "allow" : errno;
    }
}

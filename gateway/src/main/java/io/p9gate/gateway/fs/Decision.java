package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import java.util.List;

/**
 * The policy's answer.
 *
 * @param errno   what a denied request fails with (EACCES, ENOENT for hidden paths, EROFS, ...); null if allowed
 * @param ruleIds the rules that decided, for explain and audit
 */
public record Decision(boolean allowed, Errno errno, List<String> ruleIds) {
    public Decision {
        ruleIds = List.copyOf(ruleIds);
        if (allowed == (errno != null)) {
            throw new IllegalArgumentException("an allowed decision has no errno, a denial has one");
        }
    }

    public static Decision allow(List<String> ruleIds) {
        return new Decision(true, null, ruleIds);
    }

    public static Decision deny(Errno errno, List<String> ruleIds) {
        return new Decision(false, errno, ruleIds);
    }
}

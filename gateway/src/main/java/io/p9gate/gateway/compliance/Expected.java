package io.p9gate.gateway.compliance;

import io.p9gate.gateway.proto.Errno;
import java.util.List;

/**
 * What the policy file says one request must get: allowed (errno null) or refused with an errno, and the
 * rule ids that decide it. The suite's only source of expectations.
 */
record Expected(Errno errno, List<String> ruleIds) {
    Expected {
        ruleIds = List.copyOf(ruleIds);
    }

    static Expected allow(List<String> ruleIds) {
        return new Expected(null, ruleIds);
    }

    static Expected deny(Errno errno, List<String> ruleIds) {
        return new Expected(errno, ruleIds);
    }

    boolean allowed() {
        return errno == null;
    }

    /** "allowed", or "EROFS (vm.x.share.y.read-only[0])", as the reports print it. */
    String describe() {
        String rules =
                ruleIds.isEmpty() ? (allowed() ? "" : " (default deny)") : " (" + String.join(", ", ruleIds) + ")";
        return (allowed() ? "allowed" : errno.name()) + rules;
    }
}

package io.p9gate.policy.cli;

import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmPolicy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Where each compiled rule id was written, so explain can point at the YAML line. */
final class RuleLocations {

    private final Map<String, SourcePos> byId = new HashMap<>();

    RuleLocations(PolicyFile policy) {
        for (VmPolicy vm : policy.vms().values()) {
            for (SharePolicy s : vm.shares().values()) {
                byId.put(s.idPrefix() + ".access", s.pos());
                byId.put(s.idPrefix() + ".access.read-only", s.pos());
                for (Subtree t : s.readOnly()) byId.put(t.id(), t.pos());
                for (Subtree t : s.hidden()) byId.put(t.id(), t.pos());
                for (Rule r : s.rules()) {
                    byId.put(r.id(), r.pos());
                    byId.put(r.id() + ".traverse", r.pos());
                }
            }
        }
    }

    Optional<SourcePos> of(String ruleId) {
        return Optional.ofNullable(byId.get(ruleId));
    }
}

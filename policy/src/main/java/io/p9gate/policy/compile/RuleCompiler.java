package io.p9gate.policy.compile;

import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Lowers a policy file to {@link CompiledRule}s. Ids are stable and derived from the YAML:
 * <pre>
 *   vm.V.share.S.access             baseline permit of access: read-only / read-write
 *   vm.V.share.S.access.read-only   forbid writes anywhere (access: read-only), EROFS
 *   vm.V.share.S.read-only[i]       forbid writes in a read-only subtree, EROFS
 *   vm.V.share.S.hidden[i]          forbid everything in a hidden subtree, ENOENT
 *   vm.V.share.S.rules[i]           an allow (permit) or deny (forbid, EACCES) rule; rules.NAME with an id
 *   vm.V.share.S.rules[i].traverse  implied WALK/GETATTR on the directories leading to an allow rule's paths
 * </pre>
 */
public final class RuleCompiler {

    public static final String ENOENT = "ENOENT";
    public static final String EROFS = "EROFS";
    public static final String EACCES = "EACCES";

    /** What passing through a directory needs: like the x bit, without listing it (READDIR). */
    public static final EnumSet<OpKind> TRAVERSE = EnumSet.of(OpKind.WALK, OpKind.GETATTR);

    private RuleCompiler() {}

    public static List<CompiledRule> compile(PolicyFile policy) {
        List<CompiledRule> out = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            for (SharePolicy s : vm.shares().values()) compileShare(s, out);
        }
        return List.copyOf(out);
    }

    private static void compileShare(SharePolicy s, List<CompiledRule> out) {
        String p = s.idPrefix();
        Scope whole = new Scope.WholeShare();
        switch (s.access()) {
            case NONE -> {}
            case READ_ONLY -> {
                out.add(new CompiledRule(p + ".access", Effect.ALLOW, s.vm(), s.name(), OpKind.READS, whole, null));
                out.add(new CompiledRule(
                        p + ".access.read-only", Effect.DENY, s.vm(), s.name(), OpKind.WRITES, whole, EROFS));
            }
            case READ_WRITE ->
                out.add(new CompiledRule(
                        p + ".access", Effect.ALLOW, s.vm(), s.name(), EnumSet.allOf(OpKind.class), whole, null));
        }
        for (Subtree t : s.readOnly()) {
            out.add(new CompiledRule(
                    t.id(), Effect.DENY, s.vm(), s.name(), OpKind.WRITES, new Scope.Subtree(t.path()), EROFS));
        }
        for (Subtree t : s.hidden()) {
            out.add(new CompiledRule(
                    t.id(),
                    Effect.DENY,
                    s.vm(),
                    s.name(),
                    EnumSet.allOf(OpKind.class),
                    new Scope.Subtree(t.path()),
                    ENOENT));
        }
        for (Rule r : s.rules()) {
            if (r.effect() == Effect.DENY) {
                out.add(new CompiledRule(
                        r.id(), Effect.DENY, s.vm(), s.name(), r.ops(), new Scope.Matching(r.paths()), EACCES));
            } else {
                out.add(new CompiledRule(
                        r.id(), Effect.ALLOW, s.vm(), s.name(), r.ops(), new Scope.Matching(r.paths()), null));
                // "/x" needs no traverse rule: the root is never *below* anything a rule names.
                if (r.paths().stream()
                        .anyMatch(pp -> pp.globstar() || !pp.prefix().isEmpty())) {
                    out.add(new CompiledRule(
                            r.id() + ".traverse",
                            Effect.ALLOW,
                            s.vm(),
                            s.name(),
                            TRAVERSE,
                            new Scope.LeadingTo(r.paths()),
                            null));
                }
            }
        }
    }
}

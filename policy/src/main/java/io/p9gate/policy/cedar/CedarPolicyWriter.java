package io.p9gate.policy.cedar;

import io.p9gate.policy.compile.CompiledRule;
import io.p9gate.policy.compile.Scope;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes a {@link CompiledRule} as Cedar source. Globs become conditions on the File attributes:
 * a pattern without {@code **} fixes {@code depth} and tests {@code s0..}; one with {@code **} needs
 * {@code depth >= prefix+suffix} and tests the prefix on {@code s0..} and the suffix on {@code r..}.
 * Segments with '*' use {@code like}, others {@code ==}. Subtrees use the Directory hierarchy.
 */
public final class CedarPolicyWriter {

    private CedarPolicyWriter() {}

    public static String write(CompiledRule r) {
        StringBuilder b = new StringBuilder();
        if (r.errno() != null)
            b.append("@errno(").append(CedarText.quote(r.errno())).append(")\n");
        b.append(r.effect() == Effect.ALLOW ? "permit" : "forbid").append(" (\n");
        b.append("  principal == ").append(CedarNames.vm(r.vm())).append(",\n");
        b.append("  ").append(actions(r.ops())).append(",\n");
        String scope = switch (r.scope()) {
            case Scope.WholeShare w -> "resource in " + CedarNames.share(r.vm(), r.share());
            case Scope.Subtree t -> "resource in " + CedarNames.directory(r.vm(), r.share(), t.top());
            case Scope.Matching m -> "resource in " + CedarNames.share(r.vm(), r.share());
            case Scope.LeadingTo l -> "resource in " + CedarNames.share(r.vm(), r.share());
        };
        b.append("  ").append(scope).append("\n)");
        String when = switch (r.scope()) {
            case Scope.WholeShare w -> null;
            case Scope.Subtree t -> null;
            case Scope.Matching m -> anyOf(m.patterns(), CedarPolicyWriter::matches);
            case Scope.LeadingTo l -> anyOf(l.patterns(), CedarPolicyWriter::leadsTo);
        };
        if (when != null) b.append(" when {\n  ").append(when).append("\n}");
        return b.append(";\n").toString();
    }

    private static String actions(Set<OpKind> ops) {
        if (ops.containsAll(EnumSet.allOf(OpKind.class))) return "action";
        return "action in ["
                + EnumSet.copyOf(ops).stream().map(CedarNames::action).collect(Collectors.joining(", ")) + "]";
    }

    private static String anyOf(List<PathPattern> ps, Function<PathPattern, String> f) {
        return ps.stream().map(p -> "(" + f.apply(p) + ")").collect(Collectors.joining(" ||\n  "));
    }

    static String matches(PathPattern p) {
        List<String> terms = new ArrayList<>();
        int fixed = p.prefix().size() + p.suffix().size();
        terms.add("resource.depth " + (p.globstar() ? ">= " : "== ") + fixed);
        terms.addAll(segments("s", p.prefix(), false));
        terms.addAll(segments("r", p.suffix(), true));
        return String.join(" && ", terms);
    }

    /** Mirrors {@link PathPattern#leadsTo}: one disjunct per depth shorter than the prefix, plus deeper ones for {@code **}. */
    static String leadsTo(PathPattern p) {
        int k = p.prefix().size();
        List<String> alts = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            List<String> terms = new ArrayList<>();
            terms.add("resource.depth == " + i);
            terms.addAll(segments("s", p.prefix().subList(0, i), false));
            alts.add(String.join(" && ", terms));
        }
        if (p.globstar()) {
            List<String> terms = new ArrayList<>();
            terms.add("resource.depth >= " + k);
            terms.addAll(segments("s", p.prefix(), false));
            alts.add(String.join(" && ", terms));
        }
        if (alts.isEmpty()) return "false";
        return alts.stream().map(a -> "(" + a + ")").collect(Collectors.joining(" || "));
    }

    /** Tests on s0.. (front) or, {@code fromBack}, on r(n-1)..r0 so the last suffix segment is r0. */
    private static List<String> segments(String attr, List<String> segs, boolean fromBack) {
        List<String> out = new ArrayList<>();
        int n = segs.size();
        for (int i = 0; i < n; i++) {
            String name = attr + (fromBack ? n - 1 - i : i);
            String seg = segs.get(i);
            String test = seg.indexOf('*') >= 0
                    ? "resource." + name + " like " + CedarText.likePattern(seg)
                    : "resource." + name + " == " + CedarText.quote(seg);
            out.add("resource has " + name + " && " + test);
        }
        return out;
    }
}

package io.p9gate.policy.lint;

import io.p9gate.policy.cedar.text.LineColumn;
import io.p9gate.policy.model.Access;
import io.p9gate.policy.model.Effect;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.Rule;
import io.p9gate.policy.model.SharePolicy;
import io.p9gate.policy.model.SourcePos;
import io.p9gate.policy.model.Subtree;
import io.p9gate.policy.model.VmPolicy;
import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathPattern;
import io.p9gate.policy.terms.SharePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds hand-written permits, conditional ones included, that reach further than the YAML grants. A condition
 * ({@code when { context.uid == 1000 }}) narrows who, not where: wherever the permit's scope reaches an
 * {@code access: none} share beyond the YAML's own allow rules, it opens operations the YAML never granted.
 * Read-only and read-write shares cannot be widened (the YAML already allows everything there that no forbid
 * refuses, and forbids win), so only {@code access: none} is asked. A permit whose scope lies inside a hidden
 * subtree can never allow anything (hidden is a forbid), which is reported too. Unconditional permits of
 * everything are {@link UnconditionalPermits}' finding and not repeated here.
 */
final class WiderPermits {

    private final Path file;
    private final String text;
    private final List<LintFinding> out = new ArrayList<>();

    private WiderPermits(Path file, String text) {
        this.file = file;
        this.text = text;
    }

    static List<LintFinding> in(PolicyFile policy, Path file, String text, List<HandWrittenPermit> permits) {
        WiderPermits w = new WiderPermits(file, text);
        for (HandWrittenPermit p : permits) {
            if (UnconditionalPermits.isUnconditional(p)) {
                continue;
            }
            for (VmPolicy vm : policy.vms().values()) {
                for (SharePolicy s : vm.shares().values()) {
                    if (reaches(p, s)) {
                        w.check(
                                p,
                                s,
                                p.place().map(HandWrittenPermit.Place::under).orElse(SharePath.ROOT));
                    }
                }
            }
        }
        return List.copyOf(w.out);
    }

    private static boolean reaches(HandWrittenPermit p, SharePolicy s) {
        boolean vm = p.vm().map(s.vm()::equals).orElse(true);
        boolean share = p.place()
                .map(pl -> pl.vm().equals(s.vm()) && pl.share().equals(s.name()))
                .orElse(true);
        return vm && share;
    }

    private void check(HandWrittenPermit p, SharePolicy s, SharePath under) {
        String where = s.vm() + "/" + s.name() + (under.depth() == 0 ? "" : ":" + under);
        Optional<Subtree> hidden =
                s.hidden().stream().filter(h -> under.isWithin(h.path())).findFirst();
        if (hidden.isPresent()) {
            report(
                    p,
                    "permit '" + p.name() + "' lies inside hidden "
                            + hidden.get().path() + " of " + s.vm() + "/" + s.name()
                            + ": hidden wins, it can never allow anything there");
            return;
        }
        if (s.access() != Access.NONE) {
            return;
        }
        Set<OpKind> opened = EnumSet.copyOf(p.ops());
        for (Rule r : s.rules()) {
            if (r.effect() == Effect.ALLOW && r.paths().stream().anyMatch(pattern -> coversAllBelow(pattern, under))) {
                opened.removeAll(r.ops());
            }
        }
        if (!opened.isEmpty()) {
            String ops = opened.containsAll(EnumSet.allOf(OpKind.class))
                    ? "every operation"
                    : opened.stream().map(OpKind::name).collect(Collectors.joining(", "));
            report(
                    p,
                    "permit '" + p.name() + "' allows " + ops + " in " + where + " (access: none), which the YAML"
                            + " does not grant there"
                            + (p.conditional() ? " (its condition narrows who, not where)" : "")
                            + "; narrow its scope or grant it in the YAML");
        }
    }

    /** Whether the pattern matches {@code under} and everything below it: a literal prefix of it followed by {@code **}. */
    private static boolean coversAllBelow(PathPattern pattern, SharePath under) {
        List<String> prefix = pattern.prefix();
        return pattern.globstar()
                && pattern.suffix().isEmpty()
                && prefix.size() <= under.depth()
                && prefix.stream().noneMatch(seg -> seg.indexOf('*') >= 0)
                && under.segments().subList(0, prefix.size()).equals(prefix);
    }

    private void report(HandWrittenPermit p, String message) {
        LineColumn at = LineColumn.of(text, p.offset());
        out.add(new LintFinding(new SourcePos(file, at.line(), at.column()), message));
    }
}

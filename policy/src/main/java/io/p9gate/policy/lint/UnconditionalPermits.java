package io.p9gate.policy.lint;

import io.p9gate.policy.cedar.text.LineColumn;
import io.p9gate.policy.model.SourcePos;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds hand-written Cedar permits with no scope and no condition: {@code permit (principal, action, resource);}
 * (or {@code when { true }}). Hand-written policies are evaluated with the YAML's, so such a permit allows every
 * operation of every VM on every path, writes in {@code access: none} and read-only shares included: only a forbid
 * or a hidden subtree still refuses anything. Points at the {@code permit} keyword.
 */
final class UnconditionalPermits {

    private UnconditionalPermits() {}

    static List<LintFinding> in(Path file, String text, List<HandWrittenPermit> permits) {
        return permits.stream()
                .filter(UnconditionalPermits::isUnconditional)
                .map(p -> {
                    LineColumn at = LineColumn.of(text, p.offset());
                    return new LintFinding(
                            new SourcePos(file, at.line(), at.column()),
                            "unconditional permit '" + p.name()
                                    + "': it allows every operation of every VM on every path, writes to access: none and read-only"
                                    + " shares included; give it a scope or a when condition");
                })
                .toList();
    }

    static boolean isUnconditional(HandWrittenPermit p) {
        return p.coversEverything() && !p.conditional();
    }
}

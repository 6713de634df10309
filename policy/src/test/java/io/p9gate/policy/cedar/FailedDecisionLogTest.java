package io.p9gate.policy.cedar;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.policy.terms.OpKind;
import io.p9gate.policy.terms.PathQuestion;
import io.p9gate.policy.terms.SharePath;
import org.junit.jupiter.api.Test;

/**
 * A decision Cedar could not make is logged with its question, and a guest chooses the question's path: the
 * gateway serves trees deeper than PATH_MAX, so the whole path made a line as long as the guest liked. The line
 * names the path as the audit log does, abbreviated past 4,095 bytes (docs/audit-format.md).
 */
class FailedDecisionLogTest {
    @Test
    void theLineOfAFailedDecisionNamesADeepPathAbbreviated() {
        String deep = "/" + "d/".repeat(50_000) + "f";
        PathQuestion q = new PathQuestion("vm1", "data", OpKind.OPEN_READ, SharePath.of(deep), 1000, 100);
        String line = CedarEvaluator.failure(q, "entity " + deep + " rejected");
        assertTrue(line.length() < 4096, line.length() + " characters");
        assertTrue(line.contains("OPEN_READ"), line);
        assertTrue(line.contains("vm1"), line);
        assertTrue(line.contains("[abbreviated: 100002 bytes, sha256 "), line);
    }

    /** The line goes to the operator's terminal or journal: a guest's name with ESC sequences is shown escaped. */
    @Test
    void theLineShowsAGuestsControlCharactersEscaped() {
        String name = "/x\u001b[2J\u001b]8;;javascript:alert(1)\u0007\u202eevil";
        PathQuestion q = new PathQuestion("vm1", "data", OpKind.OPEN_READ, SharePath.of(name), 1000, 100);
        String line = CedarEvaluator.failure(q, "entity " + name + " rejected");
        assertTrue(line.chars().noneMatch(c -> c < 0x20 || c == 0x202e), line);
        assertTrue(line.contains("data:/x\\x1b[2J\\x1b]8;;javascript:alert(1)\\x07\\u202eevil"), line);
    }
}

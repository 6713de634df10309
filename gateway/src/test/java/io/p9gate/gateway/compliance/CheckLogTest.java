package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The progress lines of {@code compliance run} print the policy's image name and share directories and the names
 * guests made: none may reach the operator's terminal raw, and none may be escaped twice.
 */
class CheckLogTest {
    private final StringWriter out = new StringWriter();
    private final CheckLog log = new CheckLog(new PrintWriter(out));

    @Test
    void whatItSaysIsEscaped() {
        log.say("  share s (/srv/\u001b]0;owned\u0007\u009b2J\u202e)");
        assertEquals("  share s (/srv/\\x1b]0;owned\\x07\\x9b2J\\u202e)\n", out.toString());
    }

    @Test
    void aResultLineIsEscapedOnce() {
        CheckResult r = new CheckResult(
                "vm/x", "vm", "s", "R-POL-1", "reads /a\u001b[2J", Status.FAILED, "", "", "", "", List.of());
        log.add(r);
        log.sayResult(r);
        assertEquals("FAIL R-POL-1   vm/x: reads /a\\x1b[2J\n".repeat(2), out.toString());
    }
}

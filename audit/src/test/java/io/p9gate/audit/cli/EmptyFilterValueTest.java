package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.Outcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filter value that can match no record is a mistyped option, said on one line with exit 2. Before, {@code
 * --session=-1} and {@code --vm=} were taken and showed nothing (a review that looked like "no such records"), and
 * {@code --errno=} said {@code ... or number, not  (see ...)}, the empty value invisible.
 */
class EmptyFilterValueTest {
    @TempDir
    Path tmp;

    @Test
    void aNegativeSessionOrAnEmptyVmIsRefused() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        reviewed.writeDecision("walk", "/a", Outcome.ALLOW, List.of("r"), 0, "");
        String log = reviewed.log().toString();
        for (String command : List.of("show", "stats", "export")) {
            for (String option : List.of("--session=-1", "--vm=")) {
                CliRun r = command.equals("export")
                        ? CliRun.audit(command, "--log", log, "--format", "jsonl", option)
                        : CliRun.audit(command, "--log", log, option);
                assertEquals(2, r.exit(), command + " " + option + ": " + r.out() + r.err());
                assertTrue(r.oneLineError(), r.err());
                assertTrue(r.err().contains(option.substring(0, option.indexOf('='))), r.err());
            }
        }
    }

    @Test
    void anEmptyErrnoIsQuoted() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        reviewed.writeDecision("walk", "/a", Outcome.ALLOW, List.of("r"), 0, "");
        CliRun r = CliRun.audit("show", "--log", reviewed.log().toString(), "--errno=");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("or number, not '' (see "), r.err());
    }
}

package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.Outcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malformed {@code --path} glob is said on one readable line. Before: {@code bad --path glob: Missing '] near
 * index 0\n[\n^}, the JDK's three-line message with its line breaks escaped into the one line.
 */
class PathGlobMessageTest {
    @TempDir
    Path tmp;

    @Test
    void aMalformedGlobIsSaidWithWhereItIsWrong() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        reviewed.writeDecision("walk", "/a", Outcome.ALLOW, List.of("r"), 0, "");
        for (String command : List.of("show", "stats", "export")) {
            CliRun r = command.equals("export")
                    ? CliRun.audit(command, "--log", reviewed.log().toString(), "--format", "jsonl", "--path", "/a/[b")
                    : CliRun.audit(command, "--log", reviewed.log().toString(), "--path", "/a/[b");
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains("bad --path glob '/a/[b': Missing"), r.err());
            assertTrue(r.err().contains(" at character 5 (see "), r.err());
            assertFalse(r.err().contains("\\n"), r.err());
        }
    }
}

package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --share NAME=DIR} took any NAME ('da ta', 'a/b', one with a newline, which went into every record
 * and log line of the share) where a policy refuses all but [A-Za-z0-9][A-Za-z0-9_-]{0,63}: a name tried with
 * --share then failed once written into the policy. Both now take the same names.
 */
class ShareOptionNameTest {
    @TempDir
    Path dir;

    @Test
    void aNameThePolicyRefusesIsRefusedHereToo() {
        for (String name : List.of("da ta", "a/b", "a\nb", "-a", "x".repeat(65))) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> ShareOption.parse(List.of(name + "=" + dir)), name);
            assertEquals("--share name '" + name + "' must match [A-Za-z0-9][A-Za-z0-9_-]{0,63}", e.getMessage());
        }
        assertEquals(dir, ShareOption.parse(List.of("data_1-x=" + dir)).get("data_1-x"));
    }

    /**
     * Each --share error is one line on the operator's terminal and journal: a newline or escape sequence in the value
     * is escaped once, where every error is printed (CliMessages). The name's message escaped it a second time
     * ('a\\nb' shown for a name with a newline), unlike every other value.
     */
    @Test
    void aValueIsShownEscapedOnceOnOneLine() throws Exception {
        Path file = Files.writeString(dir.resolve("f\nforged"), "");
        for (String value : List.of(
                "data\nforged",
                "=\nforged",
                "a\nforged=" + dir,
                "data=" + file,
                "data=" + dir.resolve("missing\u001b[2Jforged"))) {
            CliRun run = CliRun.of("serve", "--share", value, "--listen", "unix:" + dir.resolve("vm.sock"));
            assertNotEquals(0, run.code(), run.err());
            assertEquals(1, run.err().lines().count(), run.err());
            String escaped = value.replace("\n", "\\n").replace("\u001b", "\\x1b");
            assertTrue(run.err().contains(escaped.substring(0, escaped.indexOf("forged") + 6)), run.err());
        }
    }
}

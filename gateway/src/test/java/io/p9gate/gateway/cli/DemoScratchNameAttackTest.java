package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.PrintableText;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (operator output): the demo's guest writes the scratch copy, and the demo deletes it when stopped. A guest
 * can make that deletion fail, with a tree deeper than PATH_MAX (the gateway serves such trees; Java's deletion, by
 * whole path, cannot reach them), and the line saying so printed the failing path raw: a directory named with an
 * escape sequence put it on the terminal of the operator who pressed Ctrl-C. The line is escaped as every message
 * quoting a guest's name is. (In the cli package: the demo's deletion is not public.)
 */
class DemoScratchNameAttackTest {
    private static final String HOSTILE = "x\u001b]0;owned\u0007\u001b[2J\u202e";

    @TempDir
    Path tmp;

    @Test
    void aFailedDeletionOfTheScratchCopyPrintsNoGuestEscape() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        // Deeper than PATH_MAX below a hostile name, made one relative name at a time as a guest's mkdirs are.
        String name = "d".repeat(250);
        Files.createDirectories(scratch.resolve("share"));
        Process mkdirs = new ProcessBuilder(
                        "bash",
                        "-c",
                        "cd \"$1\" && mkdir \"$2\" && cd \"$2\" && for i in $(seq 20); do mkdir \"$3\" && cd \"$3\"; done",
                        "mkdirs",
                        scratch.resolve("share").toString(),
                        HOSTILE,
                        name)
                .inheritIO()
                .start();
        assertEquals(0, mkdirs.waitFor());
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            DemoCommand.DemoFiles.deleteTree(scratch);
        } finally {
            System.setErr(stderr);
            new ProcessBuilder("rm", "-rf", scratch.toString()).start().waitFor();
        }
        String said = captured.toString(StandardCharsets.UTF_8);
        String shown = PrintableText.escape(said);
        assertTrue(said.startsWith("p9gate demo: could not delete the scratch copy"), shown);
        assertEquals(1, said.lines().count(), "one line: " + shown);
        assertFalse(said.chars().anyMatch(c -> c == 0x1b || c == 0x07 || c == 0x202e), "raw escapes: " + shown);
        assertTrue(said.contains("x\\x1b]0;owned\\x07\\x1b[2J\\u202e/"), "the name, escaped: " + shown);
    }
}

package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code --log} that names a directory holding no log (the parent of the audit directory, a typo): every review
 * command says so, as {@code verify} does, rather than an empty table, "records: 0" or a report page reading
 * "OK: 0 records ... verified", which a reviewer takes for "nothing happened" or for a verified log.
 */
class MistypedLogDirectoryTest {
    @TempDir
    Path tmp;

    Path notTheLog;
    Path pub;

    @BeforeEach
    void aDirectoryBesideTheLog() throws Exception {
        notTheLog = Files.createDirectories(tmp.resolve("var-lib-p9gate"));
        Files.writeString(notTheLog.resolve("notes.txt"), "x");
        KeyFiles.writeKeyPair(TestLogs.key("ecu-a-audit"), tmp.resolve("audit.key"), tmp.resolve("audit.pub"));
        pub = tmp.resolve("audit.pub");
    }

    @ParameterizedTest
    @ValueSource(strings = {"show", "stats", "export", "report"})
    void eachReviewCommandSaysThereIsNoLog(String command) {
        List<String> args = new ArrayList<>(List.of(command, "--log", notTheLog.toString()));
        switch (command) {
            case "export" -> args.addAll(List.of("--format", "jsonl"));
            case "report" -> args.addAll(List.of("--html", tmp.resolve("r.html").toString(), "--key", pub.toString()));
            default -> {}
        }
        CliRun r = CliRun.audit(args.toArray(String[]::new));
        assertEquals(1, r.exit(), command + " of a directory with no log: " + r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("no audit log in " + notTheLog), r.err());
        assertEquals("", r.out());
        assertFalse(Files.exists(tmp.resolve("r.html")), "no page claiming a verified log is written");
    }
}

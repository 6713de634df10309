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
        assertEquals(2, r.exit(), command + " of a directory with no log: " + r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("no audit log in " + notTheLog), r.err());
        assertEquals("", r.out());
        assertFalse(Files.exists(tmp.resolve("r.html")), "no page claiming a verified log is written");
    }

    /**
     * The audit directory of a first start that stopped before its START record (a crash, a kill): only
     * {@code writer.lock} is there. "is it the directory of serve's --audit-dir?" sent the operator looking for
     * another directory, though this is it; the gateway starts the log here as in an empty one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"verify", "show"})
    void aFirstStartThatWroteNoRecordIsNamedAsSuch(String command) throws Exception {
        Path log = Files.createDirectories(tmp.resolve("audit"));
        Files.createFile(log.resolve("writer.lock"));
        List<String> args = new ArrayList<>(List.of(command, "--log", log.toString()));
        if (command.equals("verify")) {
            args.addAll(List.of("--key", pub.toString()));
        }
        CliRun r = CliRun.audit(args.toArray(String[]::new));
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.oneLineError(), r.err());
        assertTrue(r.err().contains("no audit log in " + log + ": writer.lock but no segment-*.jsonl"), r.err());
        assertTrue(r.err().contains("a start that stopped before its first record"), r.err());
        assertFalse(r.err().contains("is it the directory"), r.err());

        try (io.p9gate.audit.AuditLog started =
                io.p9gate.audit.AuditLog.open(log, TestLogs.key("ecu-a-audit"), TestLogs.options())) {
            assertTrue(started.size() > 0, "the next start writes its START record there");
        }
    }
    /**
     * writer.lock stays after every run: a log whose segments and sidecar were removed (by hand, by a clean-up job,
     * by someone covering tracks) also leaves only it. Named as "a start that stopped before its first record", such a
     * directory read as one that never held a record, and the operator had no reason to look for the removed log.
     */
    @ParameterizedTest
    @ValueSource(strings = {"verify", "show"})
    void aLogWhoseFilesWereRemovedIsNotCalledAStartThatWroteNothing(String command) throws Exception {
        Path log = Files.createDirectories(tmp.resolve("audit"));
        TestLogs.write(log, TestLogs.key("ecu-a-audit"), TestLogs.options(), 5);
        try (var files = Files.list(log)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".jsonl"))
                    .toList()) {
                Files.delete(f);
            }
        }
        List<String> args = new ArrayList<>(List.of(command, "--log", log.toString()));
        if (command.equals("verify")) {
            args.addAll(List.of("--key", pub.toString()));
        }
        CliRun r = CliRun.audit(args.toArray(String[]::new));
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("or its log's files were removed"), r.err());
    }
}

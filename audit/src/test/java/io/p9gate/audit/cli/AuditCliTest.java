package io.p9gate.audit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The review commands as a security reviewer uses them (R-AUD-2, R-AUD-3, R-AUD-5). */
class AuditCliTest {
    @TempDir
    Path tmp;

    Path log;
    Path pub;
    SigningKey key;

    @BeforeEach
    void writeLog() throws Exception {
        ReviewedLog reviewed = ReviewedLog.in(tmp);
        log = reviewed.log();
        pub = reviewed.pub();
        key = reviewed.key();
        try (AuditLog l = reviewed.openWithDecisions(60)) {
            l.append(new AuditEvent.Decision(
                    "vm-c",
                    1,
                    "walk",
                    1,
                    "/odd]\"name",
                    new IdMapping(1, 1, 1, 1),
                    Outcome.DENY,
                    List.of(),
                    "sha256:abc",
                    13,
                    AuditEvent.NO_BYTES,
                    null,
                    1));
        }
    }

    @Test
    void verifyCleanLogExitsZeroWithJsonReport() throws Exception {
        CliRun r = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("ok").asBoolean());
        assertEquals(json.get("records").asLong(), json.get("anchored").asLong());
        assertEquals("", r.err(), "no progress on stderr when not a terminal");
    }

    @Test
    void verifyTamperedLogExitsWithTheFindingCode() throws Exception {
        Path seg = LogDirectory.segments(log).get(1);
        List<String> lines = Files.readAllLines(seg);
        lines.remove(3);
        Files.write(seg, lines);
        CliRun r = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString());
        assertEquals(5, r.exit(), r.out());
        assertTrue(r.out().contains("DELETED"), r.out());
    }

    @Test
    void progressGoesToStderrWhenAsked() {
        CliRun r = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--progress");
        assertEquals(0, r.exit());
        assertTrue(r.err().contains("\r"), "progress line is redrawn in place");
        assertFalse(r.out().contains("verifying"), "progress never pollutes stdout");
    }

    @Test
    void pinSavedThenEnforced() throws Exception {
        Path pin = tmp.resolve("pin.note");
        assertEquals(
                0,
                CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--save-pin", pin.toString())
                        .exit());
        assertTrue(Files.readString(pin).contains("\n\n\u2014 ecu-a-audit "));
        Path seg = LogDirectory.segments(log).getLast();
        Files.delete(seg);
        Files.write(
                LogDirectory.checkpointsFile(log),
                Files.readAllLines(LogDirectory.checkpointsFile(log)).subList(0, 2));
        CliRun r = CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--pin", pin.toString());
        assertEquals(7, r.exit(), r.out());
    }

    /**
     * The pin is the reviewer's trust anchor: it was written by path, following a link and truncating, after the
     * whole log was read. A link planted at its name (a shared directory) had the victim overwritten with the note,
     * and a --save-pin that names a directory failed only at the end. It is written as the other outputs are: a
     * new file renamed onto its name, the name's writability said before the log is read.
     */
    @Test
    void savePinReplacesALinkAtItsNameAndRefusesADirectoryFirst() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "keep\n");
        Path pin = Files.createSymbolicLink(tmp.resolve("planted.pin"), victim);

        CliRun saved =
                CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--save-pin", pin.toString());

        assertEquals(0, saved.exit(), saved.err());
        assertEquals("keep\n", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(pin));
        assertTrue(Files.readString(pin).contains("\n\n\u2014 ecu-a-audit "));
        CliRun intoDirectory =
                CliRun.audit("verify", "--log", log.toString(), "--key", pub.toString(), "--save-pin", tmp.toString());
        assertEquals(2, intoDirectory.exit(), intoDirectory.err());
        assertTrue(intoDirectory.oneLineError(), intoDirectory.err());
        assertTrue(intoDirectory.err().contains("--save-pin"), intoDirectory.err());
        assertEquals("", intoDirectory.out(), "refused before the log is read");
    }

    @Test
    void badInputIsOneLine() throws Exception {
        CliRun missing = CliRun.audit("verify", "--log", tmp.resolve("nope").toString(), "--key", pub.toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.oneLineError(), missing.err());
        Path junk = tmp.resolve("junk.pub");
        Files.writeString(junk, "hello");
        CliRun badKey = CliRun.audit("verify", "--log", log.toString(), "--key", junk.toString());
        assertEquals(2, badKey.exit());
        assertTrue(badKey.oneLineError(), badKey.err());
        CliRun unknownOption = CliRun.audit("verify", "--frobnicate");
        assertEquals(2, unknownOption.exit());
        assertTrue(unknownOption.oneLineError(), unknownOption.err());
        CliRun badTime = CliRun.audit("show", "--log", log.toString(), "--since", "yesterday");
        assertEquals(2, badTime.exit());
        assertTrue(badTime.oneLineError(), badTime.err());
        // A bad option value is a usage error, and a usage error says where to read more (docs/cli.md).
        assertTrue(badTime.err().strip().endsWith("(see 'p9gate audit show --help')"), badTime.err());
        CliRun badDecision = CliRun.audit("stats", "--log", log.toString(), "--decision", "maybe");
        assertEquals(2, badDecision.exit());
        assertTrue(badDecision.err().strip().endsWith("(see 'p9gate audit stats --help')"), badDecision.err());
    }

    @Test
    void showFiltersByVmDecisionPathAndTime() {
        CliRun r = CliRun.audit("show", "--log", log.toString(), "--vm", "vm-a", "--decision", "deny");
        List<String> rows = r.out().lines().skip(1).toList();
        assertFalse(rows.isEmpty());
        assertTrue(rows.stream().allMatch(l -> l.contains(" vm-a ") && l.contains(" deny ")), r.out());
        // decision(i): vm-a for even i, deny for i % 3 == 0 -> i in {0, 6, 12, ..., 54}: 10 rows
        assertEquals(10, rows.size(), r.out());

        CliRun paths = CliRun.audit("show", "--log", log.toString(), "--path", "/data/dir1/**", "--format", "json");
        List<String> lines = paths.out().lines().toList();
        assertEquals(12, lines.size(), paths.out()); // i % 5 == 1 for i < 60
        assertTrue(lines.stream().allMatch(l -> l.contains("\"path\":\"/data/dir1/")));

        CliRun future = CliRun.audit("show", "--log", log.toString(), "--since", "2999-01-01T00:00:00Z");
        assertEquals(1, future.out().lines().count(), "only the header");
        CliRun recent = CliRun.audit("show", "--log", log.toString(), "--since", "1h", "--op", "lopen");
        assertEquals(15, recent.out().lines().count() - 1, recent.out());
    }

    @Test
    void aSummaryOfRepeatedRefusalsShowsHowManyRequestsItStandsFor() throws Exception {
        ReviewedLog summarised = ReviewedLog.in(Files.createDirectories(tmp.resolve("summary")));
        AuditEvent.Decision first = new AuditEvent.Decision(
                "vm-a",
                3,
                "walk",
                7,
                "/secret/key",
                new IdMapping(0, 0, 100000, 100000),
                Outcome.DENY,
                List.of("hidden"),
                "sha256:abc",
                2,
                AuditEvent.NO_BYTES,
                "action=walk share=data",
                1);
        try (AuditLog l = summarised.open(TestLogs.options())) {
            long seq = l.append(first);
            l.append(first.summarising(312, "/secret/key", 9, 4, "action=walk share=data repeat_of=" + seq));
        }
        String dir = summarised.log().toString();
        List<String> rows =
                CliRun.audit("show", "--log", dir, "--op", "walk").out().lines().toList();
        assertTrue(rows.getFirst().contains(" DECISION COUNT  ERRNO "), rows.getFirst());
        assertTrue(rows.get(1).contains(" deny     1      ENOENT "), rows.get(1));
        assertTrue(rows.get(2).contains(" deny     312    ENOENT "), rows.get(2));
        assertTrue(CliRun.audit("export", "--log", dir, "--format", "rfc5424", "--op", "walk")
                .out()
                .contains("decision=\"deny\" count=\"312\""));
        JsonNode report = new ObjectMapper()
                .readTree(CliRun.audit(
                                "verify",
                                "--log",
                                dir,
                                "--key",
                                summarised.pub().toString(),
                                "--json")
                        .out());
        assertEquals(2, report.get("decisions").asLong());
        assertEquals(313, report.get("requests").asLong());
    }

    @Test
    void showJsonPrintsTheStoredBytes() throws Exception {
        assertEquals(
                storedText(),
                CliRun.audit("show", "--log", log.toString(), "--format", "json")
                        .out());
    }

    private String storedText() throws java.io.IOException {
        StringBuilder stored = new StringBuilder();
        for (Path s : LogDirectory.segments(log)) {
            stored.append(Files.readString(s));
        }
        return stored.toString();
    }

    @Test
    void followPrintsRecordsAppendedLater() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new java.io.PrintWriter(out, true));
        Thread follower = new Thread(() -> cl.execute(
                "show", "--log", log.toString(), "--follow", "--poll-ms", "20", "--vm", "vm-late", "--format", "json"));
        follower.start();
        try (AuditLog l = AuditLog.open(log, key, TestLogs.options().withMaxSegmentBytes(4000))) {
            for (int i = 0; i < 40; i++) {
                l.append(new AuditEvent.Decision(
                        "vm-late",
                        1,
                        "walk",
                        i,
                        "/x" + i,
                        new IdMapping(1, 1, 1, 1),
                        Outcome.ALLOW,
                        List.of("r"),
                        "d",
                        0,
                        AuditEvent.NO_BYTES,
                        null,
                        1));
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (out.toString().lines().count() < 40 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        follower.interrupt();
        follower.join(5000);
        assertEquals(40, out.toString().lines().count(), "followed across segment rotation");
        assertTrue(LogDirectory.segments(log).size() > 3);
    }

    @Test
    void proofVerifiesOfflineAndCatchesForgery() throws Exception {
        CliRun prove = CliRun.audit("prove", "42", "--log", log.toString(), "--key", pub.toString());
        assertEquals(0, prove.exit(), prove.err());
        Path proof = tmp.resolve("proof.json");
        Files.writeString(proof, prove.out());
        Files.delete(LogDirectory.segments(log).getFirst()); // offline: the log is not needed any more
        CliRun ok = CliRun.audit("check-proof", proof.toString(), "--key", pub.toString());
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().startsWith("OK: record 42 "), ok.out());

        assertTrue(prove.out().contains("/data/"));
        Files.writeString(proof, prove.out().replace("/data/", "/DATA/"));
        CliRun forged = CliRun.audit("check-proof", proof.toString(), "--key", pub.toString());
        assertEquals(1, forged.exit(), forged.out());
        assertTrue(forged.oneLineError(), forged.err());

        Path other = tmp.resolve("other");
        KeyFiles.writeKeyPair(
                TestLogs.key("ecu-a-audit"), other.resolveSibling("other.key"), other.resolveSibling("other.pub"));
        Files.writeString(proof, prove.out());
        CliRun wrongKey = CliRun.audit(
                "check-proof",
                proof.toString(),
                "--key",
                tmp.resolve("other.pub").toString());
        assertEquals(9, wrongKey.exit(), "UNKNOWN_KEY, as verify says it");
        assertTrue(wrongKey.err().contains("is not signed by the key given"), wrongKey.err());
    }

    @Test
    void proveUnknownSeqIsOneLine() {
        CliRun r = CliRun.audit("prove", "99999", "--log", log.toString());
        assertEquals(1, r.exit());
        assertTrue(r.oneLineError(), r.err());
    }

    @Test
    void exportRfc5424() throws Exception {
        CliRun r = CliRun.audit(
                "export", "--log", log.toString(), "--format", "rfc5424", "--hostname", "ecu-a", "--vm", "vm-c");
        assertEquals(0, r.exit(), r.err());
        String line = r.out().strip();
        assertTrue(line.startsWith("<108>1 "), "log audit facility, warning for a denial: " + line);
        assertTrue(line.contains(" ecu-a p9gate - decision [p9gate@32473 seq=\""), line);
        assertTrue(line.contains("path=\"/odd\\]\\\"name\""), "SD-PARAM escaping: " + line);
        assertTrue(line.endsWith("\"}"), "the stored record is the message");
        CliRun allow = CliRun.audit("export", "--log", log.toString(), "--format", "rfc5424", "--decision", "allow");
        assertTrue(allow.out().lines().allMatch(l -> l.startsWith("<109>1 ")), allow.out());
    }

    @Test
    void exportJsonlKeepsRecordsVerifiable() throws Exception {
        assertEquals(
                storedText(),
                CliRun.audit("export", "--log", log.toString(), "--format", "jsonl")
                        .out());
    }

    @Test
    void keysGenerateWritesAPrivateKeyOnlyTheOwnerCanRead() throws Exception {
        Path prefix = tmp.resolve("k/gw");
        Files.createDirectories(prefix.getParent());
        CliRun r = CliRun.of(new KeysCommand(), "generate", "--name", "ecu-b-audit", "--out", prefix.toString());
        assertEquals(0, r.exit(), r.err());
        Path priv = Path.of(prefix + ".key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
        assertEquals(r.out().strip(), Files.readString(Path.of(prefix + ".pub")).strip());
        assertEquals(
                r.out().strip(), KeyFiles.readSigningKey(priv).verifierKey().format());

        CliRun again = CliRun.of(new KeysCommand(), "generate", "--name", "x", "--out", prefix.toString());
        assertEquals(2, again.exit());
        assertTrue(again.oneLineError(), again.err());
    }

    /** The "wrote" line printed the paths raw: a newline or escape sequence in --out forged a line of the terminal. */
    @Test
    void keysGenerateShowsItsPathsEscaped() throws Exception {
        Path prefix = Files.createDirectories(tmp.resolve("k2")).resolve("gw\nwrote forged\u001b[2J");
        CliRun r = CliRun.of(new KeysCommand(), "generate", "--name", "ecu-d-audit", "--out", prefix.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.exists(Path.of(prefix + ".key")));
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("gw\\nwrote forged\\x1b[2J.key"), r.err());
    }

    @Test
    void keysGenerateRefusesADirectoryAsItsPrefixAndSaysWhatToGive() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("keysdir"));
        for (String out : List.of(dir.toString(), dir + "/", tmp.resolve("missing") + "/")) {
            CliRun r = CliRun.of(new KeysCommand(), "generate", "--name", "ecu-c-audit", "--out", out);
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.oneLineError(), r.err());
            assertTrue(r.err().contains("names a directory") && r.err().contains("/audit.key"), r.err());
        }
        assertFalse(Files.exists(Path.of(dir + ".key")), "a key was written beside the directory");
        try (var listing = Files.list(dir)) {
            assertEquals(0, listing.count(), "a key was written into the directory");
        }
    }

    @Test
    void groupReadablePrivateKeyIsRefused() throws Exception {
        Path priv = tmp.resolve("audit.key");
        Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-r-----"));
        io.p9gate.audit.note.KeyFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.p9gate.audit.note.KeyFormatException.class, () -> KeyFiles.readSigningKey(priv));
        assertTrue(e.getMessage().contains("group or others"), e.getMessage());
    }
}

package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.Hashes;
import io.p9gate.audit.LifecycleKind;
import io.p9gate.audit.LogInconsistentException;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log written before the leaf chain rule, continued by this writer (an ECU upgraded in place): it verifies, the
 * rule switches exactly at the new run's start record, and tampering on either side of the switch, or with the
 * declaration itself, is caught as before.
 *
 * <p>{@code line-chain-log/} was written by the writer before the change (main at {@code ba1b0f4}):
 * {@code TestLogs.write} twice (12 and 10 decisions) with {@code TestLogs.options().withMaxSegmentBytes(6000)} and a
 * generated key whose public half is {@code line-chain-log.pub} (the private half was not kept). It is committed, not
 * generated, because only the older code can write the older form: its 30 records (seq 0-29, start records at 0 and
 * 16) are chained over their lines.
 */
class ChainRuleTest {
    private static final AuditOptions OPTIONS = TestLogs.options().withMaxSegmentBytes(6000);
    private static final long OLDER_RECORDS = 30;
    /** The new run's start record: the first chained by its leaf hash. */
    private static final long SWITCH = OLDER_RECORDS;

    private static final long IN_OLDER_PART = 8;
    private static final long IN_NEWER_PART = 40;

    @TempDir
    static Path work;

    static VerifierKey olderKey;
    static SigningKey newerKey;
    static Path continued;
    private static int copies;

    @BeforeAll
    static void continueTheOlderLog() throws Exception {
        olderKey = KeyFiles.readVerifierKey(resource("line-chain-log.pub"));
        newerKey = TestLogs.key("ecu-a-audit-upgraded");
        continued = olderLog("continued");
        TestLogs.write(continued, newerKey, OPTIONS, 20);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ChainRuleTest.class.getResource(name).toURI());
    }

    private static Path olderLog(String name) throws Exception {
        return LogEditor.copy(resource("line-chain-log"), work.resolve(name + copies++));
    }

    private static VerificationReport verify(Path dir, VerifierKey... keys) throws Exception {
        return new Verifier(List.of(keys), null, Progress.NONE).verify(dir);
    }

    private static VerificationReport verifyBoth(Path dir) throws Exception {
        return verify(dir, olderKey, newerKey.verifierKey());
    }

    @Test
    void theOlderLogVerifiesAsItWas() throws Exception {
        VerificationReport r = verify(olderLog("older"), olderKey);
        assertTrue(r.ok(), r.summary());
        assertEquals(OLDER_RECORDS, r.records());
        assertEquals(OLDER_RECORDS, r.anchored());
    }

    @Test
    void theContinuedLogVerifies() throws Exception {
        VerificationReport r = verifyBoth(continued);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored());
        assertTrue(r.records() > OLDER_RECORDS + 20, r.summary());
    }

    /** Each record's prev is the chain over its predecessor: by its line before the switch, by its leaf hash after. */
    @Test
    void theRuleSwitchesAtTheNewRunsStartRecord() throws Exception {
        List<String> lines = new LogEditor(continued).lines;
        AuditRecord switchRecord = AuditRecord.parse(lines.get((int) SWITCH).getBytes(StandardCharsets.US_ASCII));
        assertEquals("start", switchRecord.type());
        assertTrue(switchRecord.detail().endsWith(" chain=leaf"), switchRecord.detail());
        Hashes h = new Hashes();
        for (int i = 1; i < lines.size(); i++) {
            byte[] before = lines.get(i - 1).getBytes(StandardCharsets.US_ASCII);
            byte[] chainBefore = HexFormat.of().parseHex(prev(lines.get(i - 1)));
            byte[] expected = i - 1 < SWITCH
                    ? h.lineChain(chainBefore, before, 0, before.length)
                    : h.leafChain(chainBefore, h.leaf(before, 0, before.length));
            assertEquals(HexFormat.of().formatHex(expected), prev(lines.get(i)), "prev of record " + i);
        }
    }

    private static String prev(String line) throws java.io.IOException {
        return AuditRecord.parse(line.getBytes(StandardCharsets.US_ASCII)).prev();
    }

    /** The gateway writes a start record of its own after the log's: it states the writer's rule too. */
    @Test
    void aCallersStartRecordStatesTheWritersRule() throws Exception {
        Path dir = olderLog("callers-start");
        try (AuditLog log = AuditLog.open(dir, newerKey, OPTIONS)) {
            log.append(AuditEvent.Lifecycle.of(LifecycleKind.START, "config=sha256:00"));
            log.append(AuditEvent.Lifecycle.of(LifecycleKind.START, null));
            log.append(TestLogs.decision(1));
        }
        VerificationReport r = verifyBoth(dir);
        assertTrue(r.ok(), r.summary());
        List<String> lines = new LogEditor(dir).lines;
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"detail\":\"config=sha256:00 chain=leaf\"")));
        assertTrue(lines.stream()
                .anyMatch(l -> l.contains("\"type\":\"start\"") && l.contains("\"detail\":\"chain=leaf\"")));
    }

    /** A crash left the older run's last checkpoint record without its note: the new run signs it, by the old rule. */
    @Test
    void anOlderCrashTailIsSignedByTheNewRun() throws Exception {
        Path dir = olderLog("crashed");
        LogEditor e = new LogEditor(dir);
        List<String> notes = e.notes();
        e.saveNotes(notes.subList(0, notes.size() - 1));
        TestLogs.write(dir, newerKey, OPTIONS, 5);
        VerificationReport r = verifyBoth(dir);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored());
    }

    private static DynamicTest caught(String name, FindingClass expected, Predicate<Finding> finding, EditAction edit) {
        return DynamicTest.dynamicTest(name + " -> " + expected, () -> {
            Path dir = LogEditor.copy(continued, work.resolve("tampered" + copies++));
            LogEditor e = new LogEditor(dir);
            edit.edit(e);
            e.save();
            VerificationReport r = verifyBoth(dir);
            assertEquals(expected.exitCode(), r.exitCode(), r.summary());
            assertTrue(r.findings().stream().anyMatch(finding), r.summary());
        });
    }

    interface EditAction {
        void edit(LogEditor e) throws Exception;
    }

    private static int decision(LogEditor e, long seq) {
        int i = e.indexOfSeq(seq);
        assertTrue(e.lines.get(i).contains("\"type\":\"decision\""), e.lines.get(i));
        return i;
    }

    private static Stream<DynamicTest> tamperingAt(String part, long seq) {
        return Stream.of(
                caught(
                        part + ": modified field",
                        FindingClass.MODIFIED,
                        f -> f instanceof Finding.Modified m && m.seq() == seq,
                        e -> e.lines.set(
                                decision(e, seq), e.lines.get(decision(e, seq)).replace("/data/", "/x/"))),
                caught(
                        part + ": modified with the chain recomputed",
                        FindingClass.MODIFIED,
                        Finding.Rewritten.class::isInstance,
                        e -> {
                            int i = decision(e, seq);
                            e.lines.set(i, e.lines.get(i).replace("/data/", "/x/"));
                            e.rechainFrom(i + 1);
                        }),
                caught(
                        part + ": forged record slipped in before the real one",
                        FindingClass.INSERTED,
                        f -> f instanceof Finding.Inserted,
                        e -> {
                            int i = decision(e, seq);
                            e.insert(i, e.lines.get(i).replace("file", "forged"));
                        }),
                caught(
                        part + ": deleted record",
                        FindingClass.DELETED,
                        f -> f instanceof Finding.Deleted d && d.fromSeq() == seq,
                        e -> e.remove(decision(e, seq))),
                caught(
                        part + ": two records swapped",
                        FindingClass.REORDERED,
                        f -> f instanceof Finding.Reordered,
                        e -> {
                            int i = decision(e, seq);
                            e.insert(i, e.remove(i + 1));
                        }));
    }

    @TestFactory
    Stream<DynamicTest> tamperingOnEitherSideOfTheSwitchIsCaughtAsBefore() {
        return Stream.concat(tamperingAt("older part", IN_OLDER_PART), tamperingAt("newer part", IN_NEWER_PART));
    }

    /** The older part's second start record and first checkpoint record, the newer part's open checkpoint. */
    private static final int OLDER_START = 16;

    private static final int OLDER_CHECKPOINT = 15;
    private static final int NEWER_CHECKPOINT = 32;

    private static void withoutStatement(LogEditor e, int index) {
        assertTrue(e.lines.get(index).contains(" chain=leaf"), e.lines.get(index));
        e.lines.set(index, e.lines.get(index).replace(" chain=leaf", ""));
    }

    private static void claimingLeaf(LogEditor e, int index, String beforeWord) {
        assertTrue(e.lines.get(index).contains(beforeWord), e.lines.get(index));
        e.lines.set(index, e.lines.get(index).replace(beforeWord, " chain=leaf" + beforeWord));
    }

    @TestFactory
    Stream<DynamicTest> aRecordClaimingTheWrongRuleIsCaught() {
        return Stream.of(
                caught(
                        "the new run's start record without its statement",
                        FindingClass.MODIFIED,
                        f -> f instanceof Finding.Modified m && m.seq() == SWITCH,
                        e -> withoutStatement(e, (int) SWITCH)),
                caught(
                        "the new run's checkpoint record without its statement",
                        FindingClass.MODIFIED,
                        f -> f instanceof Finding.Modified m && m.seq() == NEWER_CHECKPOINT,
                        e -> withoutStatement(e, NEWER_CHECKPOINT)),
                caught(
                        "an older start record claiming the leaf rule",
                        FindingClass.MODIFIED,
                        f -> f instanceof Finding.Modified m && m.seq() == OLDER_START,
                        e -> claimingLeaf(e, OLDER_START, " recovered_unanchored")),
                caught(
                        "an older checkpoint record claiming the leaf rule",
                        FindingClass.MODIFIED,
                        f -> f instanceof Finding.Modified m && m.seq() == OLDER_CHECKPOINT,
                        e -> claimingLeaf(e, OLDER_CHECKPOINT, "\",\"prev\"")),
                caught(
                        "the statement removed and every later prev recomputed by the older rule",
                        FindingClass.MODIFIED,
                        Finding.Rewritten.class::isInstance,
                        e -> {
                            withoutStatement(e, (int) SWITCH);
                            e.rechainFrom((int) SWITCH + 1);
                        }));
    }

    /**
     * A wrong statement misleads the chain only up to the next record stating the rule (the next checkpoint
     * record, within a second or 8,192 records): the records in between are reported too, no more.
     */
    @Test
    void aWrongStatementIsReportedUpToTheNextStatement() throws Exception {
        Path dir = LogEditor.copy(continued, work.resolve("unstated" + copies++));
        LogEditor e = new LogEditor(dir);
        withoutStatement(e, (int) SWITCH); // the key_change record after it states nothing; the checkpoint does
        claimingLeaf(e, OLDER_START, " recovered_unanchored"); // the checkpoint record after it states the line rule
        e.save();
        VerificationReport r = verifyBoth(dir);
        assertEquals(
                List.of((long) OLDER_START, SWITCH, SWITCH + 1),
                r.findings().stream()
                        .map(f -> f instanceof Finding.Modified m ? m.seq() : -1)
                        .toList(),
                r.summary());
    }

    /**
     * A forged record slipped in states a rule, the switch's start record's or an older one's: the record after it
     * skips it (links to the one before), so its statement binds no record of the log. Only the insertion is
     * reported, not the genuine records up to the next statement as if they had been modified.
     */
    @TestFactory
    Stream<DynamicTest> aStatementSlippedInMisleadsNoGenuineRecord() {
        return Stream.of(
                onlyInserted("the leaf rule slipped into the older part", IN_OLDER_PART, (int) SWITCH, ""),
                onlyInserted("the line rule slipped into the newer part", IN_NEWER_PART, (int) SWITCH, " chain=leaf"));
    }

    /**
     * The older run's last checkpoint record (stating the line rule) moved after the new run's start record: the
     * record after it links to the start record, so the moved one is not in its chain and its statement is withdrawn
     * as a slipped-in one's: only the reordering is reported.
     */
    @Test
    void aStatementMovedAcrossTheSwitchMisleadsNoGenuineRecord() throws Exception {
        Path dir = LogEditor.copy(continued, work.resolve("moved" + copies++));
        LogEditor e = new LogEditor(dir);
        e.insert((int) SWITCH, e.remove((int) SWITCH - 1));
        e.save();
        VerificationReport r = verifyBoth(dir);
        assertEquals(FindingClass.REORDERED.exitCode(), r.exitCode(), r.summary());
        assertEquals(List.of(new Finding.Reordered(SWITCH - 1, SWITCH - 1)), r.findings(), r.summary());
    }

    /** Inserts a copy of the stating record at {@code from} (less {@code cut}) before the decision {@code seq}. */
    private static DynamicTest onlyInserted(String name, long seq, int from, String cut) {
        return DynamicTest.dynamicTest(name, () -> {
            Path dir = LogEditor.copy(continued, work.resolve("slipped" + copies++));
            LogEditor e = new LogEditor(dir);
            int i = decision(e, seq);
            String forged = e.lines.get(from).replaceFirst("^\\{\"seq\":\\d+,", "{\"seq\":" + seq + ",");
            forged = forged.replace(cut, "");
            forged = forged.substring(0, forged.lastIndexOf("\"prev\":\""))
                    + e.lines.get(i).substring(e.lines.get(i).lastIndexOf("\"prev\":\""));
            e.insert(i, forged);
            e.save();
            VerificationReport r = verifyBoth(dir);
            assertEquals(FindingClass.INSERTED.exitCode(), r.exitCode(), r.summary());
            assertEquals(
                    List.of("Inserted " + seq),
                    r.findings().stream()
                            .map(f -> f.getClass().getSimpleName() + " "
                                    + (f instanceof Finding.Inserted in
                                            ? in.seq()
                                            : f instanceof Finding.Modified m ? m.seq() : -1))
                            .toList(),
                    r.summary());
        });
    }

    /** The switch itself: its start record deleted, swapped with the key_change after it, or the log cut before it. */
    @TestFactory
    Stream<DynamicTest> tamperingAtTheSwitchIsCaught() {
        return Stream.of(
                caught(
                        "the new run's start record deleted",
                        FindingClass.DELETED,
                        f -> f instanceof Finding.Deleted d && d.fromSeq() == SWITCH,
                        e -> e.remove((int) SWITCH)),
                caught(
                        "the new run's start record swapped with the key_change after it",
                        FindingClass.REORDERED,
                        Finding.Reordered.class::isInstance,
                        e -> e.insert((int) SWITCH, e.remove((int) SWITCH + 1))),
                caught(
                        "the log cut at the switch, the new run's notes kept",
                        FindingClass.TRUNCATED,
                        Finding.Truncated.class::isInstance,
                        e -> {
                            while (e.lines.size() > SWITCH) {
                                e.remove((int) SWITCH);
                            }
                        }));
    }

    /**
     * Recovery at open follows the statements as the verifier does: a log holding both rules opens again and the
     * next run continues it, and a crash that tore the first record of the leaf rule is cut like any torn tail.
     */
    @Test
    void aLogOfBothRulesReopensAndContinues() throws Exception {
        Path dir = LogEditor.copy(continued, work.resolve("reopened" + copies++));
        TestLogs.write(dir, newerKey, OPTIONS, 3);
        VerificationReport r = verifyBoth(dir);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored());

        Path torn = olderLog("torn-at-the-switch");
        byte[] start = new LogEditor(continued).lines.get((int) SWITCH).getBytes(StandardCharsets.US_ASCII);
        TestLogs.tear(LogDirectory.segments(torn).getLast(), java.util.Arrays.copyOf(start, 100));
        TestLogs.write(torn, newerKey, OPTIONS, 3);
        r = verifyBoth(torn);
        assertTrue(r.ok(), r.summary());
        assertTrue(new LogEditor(torn).lines.get((int) SWITCH).contains("torn_bytes=100 "), r.summary());
    }

    /** A statement taken out of the new run's start record stops the writer at open, signed or in the tail. */
    @Test
    void recoveryRefusesAChangedStatement() throws Exception {
        for (boolean signed : new boolean[] {true, false}) {
            Path dir = LogEditor.copy(continued, work.resolve("unstated-at-open" + copies++));
            LogEditor e = new LogEditor(dir);
            withoutStatement(e, (int) SWITCH);
            e.save();
            if (!signed) {
                e.saveNotes(e.notes().subList(0, 4)); // the older run's notes: the new run is the unanchored tail
            }
            assertThrows(
                    LogInconsistentException.class,
                    () -> AuditLog.open(dir, newerKey, OPTIONS).close());
        }
    }

    @Test
    void theFixtureIsTheOlderForm() throws Exception {
        List<Path> segments = LogDirectory.segments(resource("line-chain-log"));
        long starts = 0;
        for (Path s : segments) {
            for (String line : Files.readAllLines(s, StandardCharsets.US_ASCII)) {
                assertTrue(!line.contains("chain=leaf"), line);
                starts += line.contains("\"type\":\"start\"") ? 1 : 0;
            }
        }
        assertEquals(2, starts);
    }
}

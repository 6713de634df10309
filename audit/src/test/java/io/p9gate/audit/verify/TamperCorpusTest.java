package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-AUD-3: a corpus of tampered copies of one signed log. Each must be caught, with the right class (exit code)
 * and the right kind of finding; the untouched copy and crash leftovers must pass.
 */
class TamperCorpusTest {
    @TempDir
    static Path work;

    static Path base;
    static SigningKey key;
    static SigningKey attacker;
    static final AuditOptions OPTIONS = TestLogs.options().withMaxSegmentBytes(8_000);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static int copies;

    @BeforeAll
    static void writeBaseLog() throws Exception {
        key = TestLogs.key("ecu-a-audit");
        attacker = TestLogs.key("ecu-a-audit");
        base = work.resolve("base");
        TestLogs.write(base, key, OPTIONS, 200);
    }

    interface Tamper {
        void apply(Path dir) throws Exception;
    }

    private static Path tampered(Tamper t) throws Exception {
        Path dir = LogEditor.copy(base, work.resolve("copy" + copies++));
        t.apply(dir);
        return dir;
    }

    private static VerificationReport verify(Path dir, String pin, VerifierKey... keys) throws IOException {
        return new Verifier(
                        List.of(keys.length == 0 ? new VerifierKey[] {key.verifierKey()} : keys), pin, Progress.NONE)
                .verify(dir);
    }

    private static DynamicTest caught(String name, FindingClass expected, Class<? extends Finding> kind, Tamper t) {
        return DynamicTest.dynamicTest(name + " -> " + expected, () -> {
            VerificationReport r = verify(tampered(t), null);
            assertEquals(expected.exitCode(), r.exitCode(), r.summary());
            assertTrue(r.findings().stream().anyMatch(kind::isInstance), r.summary());
            if (System.getenv("CORPUS_PRINT") != null) {
                System.out.println(name + "\n" + r.summary());
            }
        });
    }

    private static void editLines(Path dir, EditAction action) throws Exception {
        LogEditor e = new LogEditor(dir);
        action.edit(e);
        e.save();
    }

    interface EditAction {
        void edit(LogEditor e) throws Exception;
    }

    private static String forged(LogEditor e, long seq) {
        int i = e.indexOfSeq(seq);
        return e.lines
                .get(i)
                .replace("\"decision\":\"deny\"", "\"decision\":\"allow\"")
                .replace("file", "forged");
    }

    private static String noteJson(String noteText) throws IOException {
        return JSON.writeValueAsString(JSON.createObjectNode().put("note", noteText));
    }

    private static String noteText(String jsonLine) throws IOException {
        return JSON.readTree(jsonLine).get("note").asText();
    }

    @TestFactory
    Stream<DynamicTest> everyTamperingIsCaught() {
        return Stream.of(
                caught(
                        "modified field in a middle record",
                        FindingClass.MODIFIED,
                        Finding.Modified.class,
                        d -> editLines(d, e -> e.lines.set(50, e.lines.get(50).replace("/data/", "/secret/")))),
                caught(
                        "modified record with the chain recomputed",
                        FindingClass.MODIFIED,
                        Finding.Rewritten.class,
                        d -> editLines(d, e -> {
                            int i = e.indexOfSeq(121);
                            e.lines.set(i, e.lines.get(i).replace("/data/", "/secret/"));
                            e.rechainFrom(i + 1);
                        })),
                caught(
                        "modified last record",
                        FindingClass.MODIFIED,
                        Finding.Rewritten.class,
                        d -> editLines(
                                d,
                                e -> e.lines.set(
                                        e.lines.size() - 1,
                                        e.lines.getLast().replace("reason=shutdown", "reason=time")))),
                caught(
                        "forged record slipped in before the real one with its seq",
                        FindingClass.INSERTED,
                        Finding.Inserted.class,
                        d -> editLines(d, e -> e.insert(e.indexOfSeq(80), forged(e, 80)))),
                caught(
                        "forged record linked in after the real one with its seq",
                        FindingClass.INSERTED,
                        Finding.Inserted.class,
                        d -> editLines(d, e -> {
                            int i = e.indexOfSeq(80) + 1;
                            e.insert(i, forged(e, 80));
                            e.rechain(i, i + 1); // the forgery links to the real record; nothing after it changes
                        })),
                caught(
                        "inserted record with the tail renumbered and re-chained",
                        FindingClass.MODIFIED,
                        Finding.Rewritten.class,
                        d -> editLines(d, e -> {
                            e.insert(80, forged(e, 79));
                            e.renumberFrom(80);
                            e.rechainFrom(80);
                        })),
                caught(
                        "deleted record",
                        FindingClass.DELETED,
                        Finding.Deleted.class,
                        d -> editLines(d, e -> e.remove(e.indexOfSeq(77)))),
                caught(
                        "deleted middle segment file",
                        FindingClass.DELETED,
                        Finding.Deleted.class,
                        d -> Files.delete(LogDirectory.segments(d).get(2))),
                caught(
                        "deleted first segment file",
                        FindingClass.DELETED,
                        Finding.Deleted.class,
                        d -> Files.delete(LogDirectory.segments(d).getFirst())),
                caught("deleted checkpoint note", FindingClass.DELETED, Finding.CheckpointDeleted.class, d -> {
                    LogEditor e = new LogEditor(d);
                    List<String> notes = e.notes();
                    notes.remove(3);
                    e.saveNotes(notes);
                }),
                caught(
                        "two adjacent records swapped",
                        FindingClass.REORDERED,
                        Finding.Reordered.class,
                        d -> editLines(d, e -> e.insert(100, e.remove(101)))),
                caught(
                        "record moved far later",
                        FindingClass.REORDERED,
                        Finding.Reordered.class,
                        d -> editLines(d, e -> e.insert(150, e.remove(40)))),
                caught(
                        "records cut off below the signed checkpoint",
                        FindingClass.TRUNCATED,
                        Finding.Truncated.class,
                        d -> editLines(d, e -> {
                            for (int i = 0; i < 5; i++) {
                                e.remove(e.lines.size() - 1);
                            }
                        })),
                caught(
                        "checkpoint note edited, not re-signed",
                        FindingClass.BAD_SIGNATURE,
                        Finding.BadSignature.class,
                        d -> {
                            LogEditor e = new LogEditor(d);
                            List<String> notes = e.notes();
                            String text = noteText(notes.get(2));
                            notes.set(2, noteJson(text.replaceFirst("\ntime 20", "\ntime 19")));
                            e.saveNotes(notes);
                        }),
                caught(
                        "records rewritten and re-signed with another key",
                        FindingClass.UNKNOWN_KEY,
                        Finding.UnknownKey.class,
                        d -> {
                            editLines(d, e -> e.lines.set(30, e.lines.get(30).replace("/data/", "/secret/")));
                            LogEditor e = new LogEditor(d);
                            List<String> notes = e.notes();
                            for (int i = 0; i < notes.size(); i++) {
                                String body =
                                        SignedNote.parse(noteText(notes.get(i))).body();
                                notes.set(
                                        i,
                                        noteJson(SignedNote.sign(body, attacker).format()));
                            }
                            e.saveNotes(notes);
                        }),
                caught(
                        "garbage line",
                        FindingClass.MALFORMED,
                        Finding.Malformed.class,
                        d -> editLines(d, e -> e.lines.set(60, "{\"seq\":60,\"oops\""))),
                caught(
                        "two signed heads of the same size disagree",
                        FindingClass.FORK,
                        Finding.Fork.class,
                        TamperCorpusTest::appendForeignNote));
    }

    /** A fork of the base log (same prefix, other history) whose note of the same size is merged in. */
    private static void appendForeignNote(Path dir) throws Exception {
        Path other = LogEditor.copy(base, work.resolve("fork" + copies++));
        try (AuditLog log = AuditLog.open(other, key, OPTIONS)) {
            log.append(TestLogs.decision(999));
        }
        Path mine = dir;
        try (AuditLog log = AuditLog.open(mine, key, OPTIONS)) {
            log.append(TestLogs.decision(998));
        }
        String foreign = Files.readAllLines(LogDirectory.checkpointsFile(other)).getLast();
        Files.writeString(LogDirectory.checkpointsFile(mine), foreign + "\n", StandardOpenOption.APPEND);
    }

    /**
     * A record whose seq alone was edited, to one ahead, one behind, one past the log's end or one long gone, is one
     * modified record: before, it read as a deletion of its seq plus the records up to the claimed one reordered
     * (or the claimed one inserted), and the record itself was never named as modified.
     */
    @TestFactory
    Stream<DynamicTest> anEditedSeqIsOneModifiedRecord() {
        return Stream.of(95L, 91L, 89L, 5_000L, 3L, Long.MAX_VALUE)
                .map(claimed -> DynamicTest.dynamicTest("seq 90 edited to " + claimed, () -> {
                    VerificationReport r = verify(
                            tampered(d -> editLines(d, e -> {
                                int i = e.indexOfSeq(90);
                                e.lines.set(i, e.lines.get(i).replace("{\"seq\":90,", "{\"seq\":" + claimed + ","));
                            })),
                            null);
                    assertEquals(FindingClass.MODIFIED.exitCode(), r.exitCode(), r.summary());
                    assertEquals(1, r.findings().size(), r.summary());
                    Finding.EditedSeq m = assertInstanceOf(
                            Finding.EditedSeq.class, r.findings().getFirst());
                    assertEquals(90, m.seq(), r.summary());
                    assertEquals(claimed, m.claimed(), r.summary());
                }));
    }

    /**
     * A record that links to a copy slipped in before it is not in the place of the seq due there, however it links:
     * taking it for that record with its seq edited hid the deletion of the record it stands for.
     */
    @TestFactory
    Stream<DynamicTest> aDeletionIsNotHiddenAsAnEditedSeq() {
        return Stream.of(
                caught(
                        "record 90 deleted, copies of 87 and 88 in its place",
                        FindingClass.DELETED,
                        Finding.Deleted.class,
                        d -> editLines(d, e -> {
                            int i = e.indexOfSeq(90);
                            e.remove(i);
                            e.insert(i, e.lines.get(e.indexOfSeq(88)));
                            e.insert(i, e.lines.get(e.indexOfSeq(87)));
                        })),
                caught(
                        "records 80..85 moved after 89, record 90 deleted and a copy of 86 in its place",
                        FindingClass.DELETED,
                        Finding.Deleted.class,
                        d -> editLines(d, e -> {
                            int from = e.indexOfSeq(80);
                            List<String> moved = new ArrayList<>();
                            for (int n = 0; n < 6; n++) {
                                moved.add(e.remove(from));
                            }
                            moved.add(e.lines.get(e.indexOfSeq(86)));
                            int i = e.indexOfSeq(90);
                            e.remove(i);
                            for (int n = moved.size() - 1; n >= 0; n--) {
                                e.insert(i, moved.get(n));
                            }
                        })),
                caught(
                        "seq 90 edited and record 91 deleted",
                        FindingClass.DELETED,
                        Finding.Deleted.class,
                        d -> editLines(d, e -> {
                            int i = e.indexOfSeq(90);
                            e.lines.set(i, e.lines.get(i).replace("{\"seq\":90,", "{\"seq\":95,"));
                            e.remove(i + 1);
                        })),
                caught(
                        "seqs 90 and 92 edited (still two edited records)",
                        FindingClass.MODIFIED,
                        Finding.EditedSeq.class,
                        d -> editLines(d, e -> {
                            for (long seq : new long[] {90, 92}) {
                                int i = e.indexOfSeq(seq);
                                e.lines.set(i, e.lines.get(i).replace("{\"seq\":" + seq + ",", "{\"seq\":3,"));
                            }
                        })));
    }

    @Test
    void untouchedLogVerifies() throws Exception {
        VerificationReport r = verify(tampered(d -> {}), null);
        assertTrue(r.ok(), r.summary());
        assertEquals(0, r.exitCode());
        assertEquals(r.records(), r.anchored());
        assertTrue(r.segments() > 3, "the corpus spans several segments");
    }

    @Test
    void crashTailIsUnanchoredNotTampering() throws Exception {
        Path dir = tampered(d -> {
            AuditLog log = AuditLog.open(d, key, OPTIONS); // never closed: the process "dies"
            for (int i = 0; i < 5; i++) {
                log.append(TestLogs.decision(i));
            }
            TestLogs.tear(LogDirectory.segments(d).getLast(), "{\"seq\":9".getBytes(StandardCharsets.US_ASCII));
        });
        VerificationReport r = verify(dir, null);
        assertTrue(r.ok(), r.summary());
        assertEquals(5, r.unanchored());
        assertEquals(8, r.tornBytes());
    }

    /**
     * A power loss may keep a later page of a record and lose the pages before it, which read as zeros: those are
     * no record's bytes (no record holds a zero byte), so they are not counted as torn. One stray byte 1 MB into
     * the zeros written ahead read as about 1 MB torn.
     */
    @Test
    void zerosInsideTheTornTailAreNotCountedAsTornBytes() throws Exception {
        Path dir = tampered(d -> {
            AuditLog log = AuditLog.open(d, key, OPTIONS); // never closed: the process "dies"
            log.append(TestLogs.decision(0));
            byte[] tail = new byte[8 + 100_000 + 1];
            System.arraycopy("{\"seq\":9".getBytes(StandardCharsets.US_ASCII), 0, tail, 0, 8);
            tail[tail.length - 1] = 'x';
            TestLogs.tear(LogDirectory.segments(d).getLast(), tail);
        });
        VerificationReport r = verify(dir, null);
        assertTrue(r.ok(), r.summary());
        assertEquals(9, r.tornBytes(), r.summary());
        assertTrue(r.summary().contains(" 9 torn byte(s)"), r.summary());
    }

    @Test
    void crashBetweenCheckpointRecordAndNoteIsNotTampering() throws Exception {
        VerificationReport r = verify(withoutLastNotes(1), null);
        assertTrue(r.ok(), r.summary());
        assertTrue(r.unanchored() > 0);
    }

    private static Path withoutLastNotes(int count) throws Exception {
        return tampered(d -> {
            LogEditor e = new LogEditor(d);
            List<String> notes = e.notes();
            e.saveNotes(notes.subList(0, notes.size() - count));
        });
    }

    /**
     * Trailing notes gone, records kept: byte for byte what a crash between checkpoint records and their notes
     * leaves, so without a pin it is an unanchored tail (whoever can delete notes can rewrite that tail anyway:
     * only a pin tells). A pin that the records still match shows the writer had signed past those notes.
     */
    @Test
    void deletedTrailingNotesAreACrashTailUnlessAPinCoversThem() throws Exception {
        String pin =
                noteText(Files.readAllLines(LogDirectory.checkpointsFile(base)).getLast());
        Path dir = withoutLastNotes(4);
        VerificationReport crash = verify(dir, null);
        assertTrue(crash.ok(), crash.summary());
        assertEquals(4, crash.unsignedCheckpoints(), crash.summary());
        VerificationReport pinned = verify(dir, pin);
        assertEquals(FindingClass.DELETED.exitCode(), pinned.exitCode(), pinned.summary());
        assertEquals(
                4,
                pinned.findings().stream()
                        .filter(f -> f instanceof Finding.CheckpointDeleted)
                        .count(),
                pinned.summary());
    }

    /**
     * The writer awaits the note of the checkpoint it takes at open (after signing the notes a crash left unwritten)
     * before it appends anything else, so a missing note before an open checkpoint that records follow is no crash's:
     * before, deleting the sidecar, or every note of the runs after the first, read "OK" with an unanchored tail.
     */
    @Test
    void notesDeletedBeforeARunThatWentOnAreDeleted() throws Exception {
        int kept = Files.readAllLines(LogDirectory.checkpointsFile(base)).size();
        Path restarted = tampered(d -> {
            TestLogs.write(d, key, OPTIONS, 5); // a second run
            LogEditor e = new LogEditor(d);
            e.saveNotes(e.notes().subList(0, kept - 1)); // the first run's last note and all of the second's
        });
        VerificationReport r = verify(restarted, null);
        assertEquals(FindingClass.DELETED.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.findings().stream().anyMatch(Finding.CheckpointDeleted.class::isInstance), r.summary());

        VerificationReport noSidecar = verify(tampered(d -> Files.delete(LogDirectory.checkpointsFile(d))), null);
        assertEquals(FindingClass.DELETED.exitCode(), noSidecar.exitCode(), noSidecar.summary());
        assertInstanceOf(Finding.CheckpointDeleted.class, noSidecar.findings().getFirst(), noSidecar.summary());
    }

    /** A crash while opening leaves the run's start and open checkpoint without a note, and nothing after them. */
    @Test
    void aCrashWhileOpeningIsNotTampering() throws Exception {
        int kept = Files.readAllLines(LogDirectory.checkpointsFile(base)).size();
        Path dir = tampered(d -> {
            TestLogs.write(d, key, OPTIONS, 5);
            LogEditor e = new LogEditor(d);
            int open = e.lines.size() - 1;
            while (!e.lines.get(open).contains("reason=open")) {
                open--; // the second run's open checkpoint
            }
            while (e.lines.size() > open + 1) {
                e.remove(e.lines.size() - 1);
            }
            e.save();
            e.saveNotes(e.notes().subList(0, kept));
        });
        VerificationReport r = verify(dir, null);
        assertTrue(r.ok(), r.summary());
        assertEquals(1, r.unsignedCheckpoints(), r.summary());
    }

    /**
     * Without any note, a log holding more than what a crash at its first open leaves was rewritten: removing the
     * words that mark a run's opening records and recomputing the chain must not make it read "OK".
     */
    @Test
    void aLogWithoutNotesBeyondItsOpeningIsDeleted() throws Exception {
        Path dir = tampered(d -> {
            Files.delete(LogDirectory.checkpointsFile(d));
            editLines(d, e -> {
                for (int i = 0; i < e.lines.size(); i++) {
                    e.lines.set(
                            i,
                            e.lines
                                    .get(i)
                                    .replace("reason=open", "reason=time")
                                    .replace("\"detail\":\"key=", "\"detail\":\"signer="));
                }
                e.rechainFrom(1);
            });
        });
        VerificationReport r = verify(dir, null);
        assertEquals(FindingClass.DELETED.exitCode(), r.exitCode(), r.summary());
    }

    /**
     * A run's writer appends nothing after its shutdown checkpoint, and a run opens with its start, a key change
     * and its open checkpoint only. A record forged after a clean shutdown read "OK" as an unanchored tail, and the
     * next run's recovery then signed it; one slipped in among the next run's opening records is no record either.
     */
    @Test
    void recordsForgedAfterAShutdownAreInsertedEvenOnceSigned() throws Exception {
        Path appended = tampered(d -> editLines(d, e -> {
            e.insert(e.lines.size(), forged(e, 50));
            e.renumberFrom(e.lines.size() - 1);
            e.rechainFrom(e.lines.size() - 1);
        }));
        VerificationReport r = verify(appended, null);
        assertEquals(FindingClass.INSERTED.exitCode(), r.exitCode(), r.summary());
        editLines(
                appended,
                e -> { // a gateway of before 2026-12-05 signed it at its next start
                    String origin = SignedNote.parse(noteText(e.notes().getFirst()))
                            .body()
                            .split("\n")[0];
                    List<String> notes = e.notes();
                    notes.add(e.signedNoteLine(e.lines.size(), origin, key));
                    e.saveNotes(notes);
                });
        VerificationReport signed = verify(appended, null);
        assertEquals(FindingClass.INSERTED.exitCode(), signed.exitCode(), signed.summary());
        assertTrue(signed.findings().stream().anyMatch(f -> f.describe().contains("shutdown")), signed.summary());

        Path amongOpening = tampered(d -> {
            TestLogs.write(d, key, OPTIONS, 3);
            editLines(d, e -> {
                int open = e.lines.size() - 1;
                while (!e.lines.get(open).contains("reason=open")) {
                    open--;
                }
                e.insert(open, forged(e, 50));
                e.renumberFrom(open);
                e.rechainFrom(open);
                e.saveNotes(e.notes()
                        .subList(
                                0,
                                Files.readAllLines(LogDirectory.checkpointsFile(base))
                                        .size()));
            });
        });
        VerificationReport opening = verify(amongOpening, null);
        assertEquals(FindingClass.INSERTED.exitCode(), opening.exitCode(), opening.summary());
    }

    @Test
    void truncationBelowPinIsCaughtEvenWhenNotesAreCutToo() throws Exception {
        String pin =
                noteText(Files.readAllLines(LogDirectory.checkpointsFile(base)).getLast());
        Path dir = tampered(d -> {
            LogEditor e = new LogEditor(d);
            List<String> notes = e.notes();
            long keep = io.p9gate.audit.note.Checkpoint.parse(SignedNote.parse(noteText(notes.get(notes.size() - 3)))
                            .body())
                    .size();
            while (e.lines.size() > keep) {
                e.remove(e.lines.size() - 1);
            }
            e.save();
            e.saveNotes(notes.subList(0, notes.size() - 2));
        });
        assertTrue(verify(dir, null).ok(), "without a pin, a clean cut is invisible: that is what pins are for");
        VerificationReport r = verify(dir, pin);
        assertEquals(FindingClass.TRUNCATED.exitCode(), r.exitCode(), r.summary());
        assertInstanceOf(Finding.Truncated.class, r.findings().getFirst());
    }

    @Test
    void pinFromAnotherBranchIsAFork() throws Exception {
        Path a = tampered(d -> TestLogs.write(d, key, OPTIONS, 3));
        Path b = tampered(d -> TestLogs.write(d, key, OPTIONS, 30));
        String pinA =
                noteText(Files.readAllLines(LogDirectory.checkpointsFile(a)).getLast());
        VerificationReport r = verify(b, pinA);
        assertEquals(FindingClass.FORK.exitCode(), r.exitCode(), r.summary());
        assertTrue(verify(a, pinA).ok());
    }

    @Test
    void keyRotationVerifiesWithBothKeysAndFlagsTheUnknownOne() throws Exception {
        SigningKey next = TestLogs.key("ecu-a-audit-2026");
        Path dir = tampered(d -> TestLogs.write(d, next, OPTIONS, 10));
        assertTrue(verify(dir, null, key.verifierKey(), next.verifierKey()).ok());
        VerificationReport r = verify(dir, null, key.verifierKey());
        assertEquals(FindingClass.UNKNOWN_KEY.exitCode(), r.exitCode(), r.summary());
    }

    /**
     * After a rotation, a reviewer given only the new key saw one UNKNOWN_KEY line per old checkpoint (43 on a real
     * ECU log), burying anything else: the text report says it once per key, with the count and where those
     * checkpoints are. The JSON report keeps every finding.
     */
    @Test
    void onlyTheNewKeyAfterARotationSaysTheOldKeysCheckpointsOnce() throws Exception {
        SigningKey next = TestLogs.key("ecu-a-audit-2026");
        Path dir = tampered(d -> TestLogs.write(d, next, OPTIONS, 10));
        VerificationReport r = verify(dir, null, next.verifierKey());
        List<Finding.UnknownKey> old =
                r.findings().stream().map(Finding.UnknownKey.class::cast).toList();
        assertTrue(old.size() > 1, r.summary());
        String oldKey = CheckpointStream.keyLabel(SignedNote.parse(noteText(
                        Files.readAllLines(LogDirectory.checkpointsFile(base)).getFirst()))
                .signatures()
                .getFirst());
        List<String> lines = r.summary().lines().toList();
        assertEquals(
                "  UNKNOWN_KEY: " + old.size() + " checkpoints ("
                        + old.getFirst().where() + " to "
                        + old.getLast().where() + ") signed only by unknown key(s) " + oldKey,
                lines.getLast(),
                r.summary());
        assertEquals(2, lines.size(), r.summary());
        assertEquals(FindingClass.UNKNOWN_KEY.exitCode(), r.exitCode());
        assertEquals(old.size(), JSON.readTree(r.toJson()).get("findings").size(), "JSON lists each");
    }

    /**
     * An unknown key's checkpoint size is whatever its signer wrote: a forger's two notes claiming a billion records
     * read "covering records 0 to 999999999" on a 200-record log. The grouped line says only what was checked.
     */
    @Test
    void unknownKeysGroupedLineRepeatsNoUncheckedSize() throws Exception {
        Path dir = tampered(d -> {
            LogEditor e = new LogEditor(d);
            List<String> notes = e.notes();
            String body = SignedNote.parse(noteText(notes.getLast())).body();
            String inflated = body.replaceFirst("\n\\d+\n", "\n1000000000\n");
            notes.add(noteJson(SignedNote.sign(inflated, attacker).format()));
            notes.add(noteJson(SignedNote.sign(inflated, attacker).format()));
            e.saveNotes(notes);
        });
        VerificationReport r = verify(dir, null);
        assertEquals(FindingClass.UNKNOWN_KEY.exitCode(), r.exitCode(), r.summary());
        String line = r.summary().lines().toList().getLast();
        assertTrue(line.startsWith("  UNKNOWN_KEY: 2 checkpoints ("), r.summary());
        assertFalse(line.contains("99999999") || line.contains("1000000000"), r.summary());
    }

    @Test
    void exitCodesAreDistinctPerClass() {
        long distinct = Stream.of(FindingClass.values())
                .mapToInt(FindingClass::exitCode)
                .distinct()
                .count();
        assertEquals(FindingClass.values().length, distinct);
        assertTrue(Stream.of(FindingClass.values()).allMatch(c -> c.exitCode() > FindingClass.USAGE));
    }

    @Test
    void reportIsJson() throws Exception {
        VerificationReport r = verify(tampered(d -> editLines(d, e -> e.remove(e.indexOfSeq(77)))), null);
        var json = JSON.readTree(r.toJson());
        assertEquals(false, json.get("ok").asBoolean());
        assertEquals("DELETED", json.get("findings").get(0).get("class").asText());
        assertEquals(
                77, json.get("findings").get(0).get("detail").get("fromSeq").asLong());
    }

    @Test
    void sidecarIsReadable() throws Exception {
        assertTrue(TestLogs.checkpoints(base).size() > 10);
    }
}

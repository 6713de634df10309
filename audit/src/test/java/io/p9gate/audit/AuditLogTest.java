package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.read.StoredLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer: record content, chain, checkpoints, rotation, recovery and failing closed (R-AUD-1, -2, -4). */
class AuditLogTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("test-key");

    private List<StoredLine> lines() throws Exception {
        List<StoredLine> out = new ArrayList<>();
        SegmentReader.forEachLine(dir, out::add);
        return out;
    }

    private List<AuditRecord> records() throws Exception {
        List<AuditRecord> out = new ArrayList<>();
        for (StoredLine l : lines()) {
            out.add(AuditRecord.parse(l.bytes()));
        }
        return out;
    }

    private List<Checkpoint> checkpoints() throws Exception {
        List<Checkpoint> out = new ArrayList<>();
        for (CheckpointStore.Entry e : TestLogs.checkpoints(dir)) {
            out.add(Checkpoint.parse(SignedNote.parse(e.noteText()).body()));
        }
        return out;
    }

    @Test
    void decisionRecordCarriesEveryField() throws Exception {
        long seq;
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            seq = log.append(TestLogs.decision(4));
        }
        AuditRecord r = records().get((int) seq);
        assertEquals(seq, r.seq());
        assertEquals("decision", r.type());
        assertEquals("vm-a", r.vm());
        assertEquals(7L, r.session());
        assertEquals("lopen", r.op());
        assertEquals(4, r.tag());
        assertEquals("/data/dir4/file4", r.path());
        assertEquals(1000L, r.guestUid());
        assertEquals(100001L, r.hostUid());
        assertEquals("allow", r.decision());
        assertEquals(List.of("rule-0"), r.rules());
        assertEquals("sha256:abc", r.policy());
        assertEquals(0, r.errno());
        assertEquals(4096L, r.bytes());
        assertEquals(36, r.boot().length());
    }

    @Test
    void lifecycleRecordsFrameTheDecisions() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 3);
        List<String> types = records().stream().map(AuditRecord::type).toList();
        assertEquals(
                List.of("start", "checkpoint", "decision", "decision", "decision", "shutdown", "checkpoint"), types);
    }

    @Test
    void chainLinksEachStoredLineToTheNext() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 40);
        Hashes h = new Hashes();
        byte[] chain = Hashes.GENESIS;
        for (StoredLine l : lines()) {
            AuditRecord r = AuditRecord.parse(l.bytes());
            assertEquals(HexFormat.of().formatHex(chain), r.prev(), "record " + r.seq());
            chain = h.leafChain(chain, h.leaf(l.bytes(), 0, l.bytes().length));
        }
        assertArrayEquals(chain, checkpoints().getLast().chainHead());
    }

    @Test
    void checkpointsCoverTheLogAndEndOnACheckpointRecord() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 100);
        List<StoredLine> lines = lines();
        List<Checkpoint> cps = checkpoints();
        assertTrue(cps.size() >= 100 / 16, "a checkpoint at least every 16 records");
        MerkleFrontier f = new MerkleFrontier();
        Hashes h = new Hashes();
        int next = 0;
        for (int i = 0; i < lines.size(); i++) {
            byte[] b = lines.get(i).bytes();
            f.append(h.leaf(b, 0, b.length));
            if (next < cps.size() && cps.get(next).size() == i + 1) {
                assertArrayEquals(f.root(), cps.get(next).root());
                assertEquals("checkpoint", AuditRecord.parse(b).type());
                next++;
            }
        }
        assertEquals(cps.size(), next, "every checkpoint matched a prefix of the log");
        assertEquals(lines.size(), cps.getLast().size(), "the shutdown checkpoint covers everything");
    }

    @Test
    void canonicalLineIsAsciiWithOneEscapingPerCharacter() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            log.append(new AuditEvent.Decision(
                    "vm\"x",
                    1,
                    "walk",
                    1,
                    "/a/./b//c\\d\n\u00e9\uD83D",
                    new IdMapping(0, 0, 0, 0),
                    Outcome.DENY,
                    List.of(),
                    "d",
                    2,
                    AuditEvent.NO_BYTES,
                    null,
                    1));
        }
        byte[] line = lines().get(2).bytes();
        String text = new String(line, StandardCharsets.US_ASCII);
        assertTrue(text.contains("\"vm\":\"vm\\\"x\""), text);
        assertTrue(text.contains("\"path\":\"/a/b/c\\\\d\\u000a\\u00e9\\ud83d\""), text);
        assertTrue(text.contains("\"bytes\":null"), text);
        for (byte b : line) {
            assertTrue(b >= 0x20 && b < 0x7f, "printable ASCII only");
        }
        assertEquals("/a/b/c\\d\n\u00e9\uD83D", AuditRecord.parse(line).path());
    }

    @Test
    void reopeningContinuesSequenceAndChain() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 5);
        TestLogs.write(dir, key, TestLogs.options(), 5);
        List<AuditRecord> rs = records();
        for (int i = 0; i < rs.size(); i++) {
            assertEquals(i, rs.get(i).seq());
        }
        assertTrue(rs.stream()
                        .filter(r -> r.type().equals("start"))
                        .map(AuditRecord::boot)
                        .distinct()
                        .count()
                == 2);
    }

    @Test
    void segmentsRotateBySizeAndTheChainContinues() throws Exception {
        TestLogs.write(dir, key, TestLogs.options().withMaxSegmentBytes(2000), 60);
        List<Path> segments = LogDirectory.segments(dir);
        assertTrue(segments.size() > 5, "rotated: " + segments.size());
        long expectedFirst = 0;
        for (Path s : segments) {
            assertEquals(LogDirectory.segmentFile(dir, expectedFirst), s);
            expectedFirst += Files.readAllLines(s).size();
        }
        chainLinksEachStoredLineToTheNextIn();
    }

    private void chainLinksEachStoredLineToTheNextIn() throws Exception {
        Hashes h = new Hashes();
        byte[] chain = Hashes.GENESIS;
        for (StoredLine l : lines()) {
            assertEquals(
                    HexFormat.of().formatHex(chain),
                    AuditRecord.parse(l.bytes()).prev());
            chain = h.leafChain(chain, h.leaf(l.bytes(), 0, l.bytes().length));
        }
    }

    /**
     * A torn tail with zeros inside it (a power loss kept a later page of a record and lost an earlier one): the
     * restart's {@code torn_bytes} counts its record data, as {@code audit verify}'s {@code tornBytes} does before
     * it; the zeros were counted too, so the two reports of one log disagreed.
     */
    @Test
    void aTornTailIsReportedAsTheSameCountByVerifyAndByTheRestart() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 3);
        Path seg = LogDirectory.segments(dir).getLast();
        byte[] torn = new byte[12 + 4096 + 5];
        System.arraycopy("{\"seq\":7,\"bo".getBytes(StandardCharsets.US_ASCII), 0, torn, 0, 12);
        System.arraycopy("dy\":1".getBytes(StandardCharsets.US_ASCII), 0, torn, 12 + 4096, 5);
        Files.write(seg, torn, StandardOpenOption.APPEND);
        long verified = new io.p9gate.audit.verify.Verifier(
                        List.of(key.verifierKey()), null, io.p9gate.audit.verify.Progress.NONE)
                .verify(dir)
                .tornBytes();
        TestLogs.write(dir, key, TestLogs.options(), 1);
        AuditRecord start = records().stream()
                .filter(r -> r.type().equals("start"))
                .toList()
                .get(1);
        assertEquals(17, verified, "verify counts the record data");
        assertTrue(start.detail().contains(" torn_bytes=17 "), start.detail());
    }

    @Test
    void tornTailIsCutOffAndReportedOnRestart() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 3);
        Path seg = LogDirectory.segments(dir).getLast();
        Files.write(seg, "{\"seq\":7,\"bo".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        TestLogs.write(dir, key, TestLogs.options(), 1);
        List<AuditRecord> rs = records();
        AuditRecord start =
                rs.stream().filter(r -> r.type().equals("start")).toList().get(1);
        assertTrue(start.detail().contains("torn_bytes=12"), start.detail());
        chainLinksEachStoredLineToTheNextIn();
    }

    @Test
    void keyChangeIsRecorded() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 2);
        SigningKey next = TestLogs.key("test-key-2");
        TestLogs.write(dir, next, TestLogs.options(), 2);
        AuditRecord change = records().stream()
                .filter(r -> r.type().equals("key_change"))
                .findFirst()
                .orElseThrow();
        assertTrue(change.detail().contains("to=" + next.verifierKey().format()), change.detail());
        assertTrue(change.detail().contains("from=test-key+"), change.detail());
    }

    @Test
    void policyReloadForcesASignedCheckpoint() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            long seq = log.append(new AuditEvent.Lifecycle(
                    LifecycleKind.POLICY_RELOAD, null, AuditEvent.NO_SESSION, "sha256:def", "policies/ecu-a.yaml"));
            assertEquals(seq + 2, log.lastCheckpoint().size(), "reload record and its checkpoint record are covered");
        }
    }

    @Test
    void writeFailureFailsClosedWithEio() throws Exception {
        AuditOptions tiny = TestLogs.options().withMaxSegmentBytes(100);
        try (AuditLog log = AuditLog.open(dir, key, tiny)) {
            // The next rotation must create this file: a directory in its place makes the write fail.
            Files.createDirectory(LogDirectory.segmentFile(dir, log.size()));
            AuditWriteException e = assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(1)));
            assertEquals(5, e.errno());
            assertThrows(AuditWriteException.class, () -> log.append(TestLogs.decision(2)), "stays failed");
            assertThrows(AuditWriteException.class, log::checkpoint);
        } catch (AuditWriteException expectedOnClose) {
            assertEquals(5, expectedOnClose.errno());
        }
    }

    @Test
    void concurrentAppendersGetDistinctConsecutiveSequences() throws Exception {
        ConcurrentHashMap<Long, Boolean> seen = new ConcurrentHashMap<>();
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options());
                ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        seen.put(log.append(TestLogs.decision(i)), true);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
        assertEquals(1000, seen.size());
        chainLinksEachStoredLineToTheNextIn();
        List<AuditRecord> rs = records();
        for (int i = 0; i < rs.size(); i++) {
            assertEquals(i, rs.get(i).seq());
        }
    }

    @Test
    void timerSignsACheckpointWhileRecordsArrive() throws Exception {
        AuditOptions timed = TestLogs.options()
                .withCheckpointRecords(1_000_000)
                .withCheckpointEvery(java.time.Duration.ofMillis(30));
        try (AuditLog log = AuditLog.open(dir, key, timed)) {
            long before = log.lastCheckpoint().size();
            long seq = log.append(TestLogs.decision(1));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (log.lastCheckpoint().size() <= seq && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(log.lastCheckpoint().size() > seq, "the timer anchored record " + seq + " (was " + before + ")");
            long anchored = log.lastCheckpoint().size();
            Thread.sleep(150);
            assertEquals(anchored, log.lastCheckpoint().size(), "an idle log signs nothing new");
        }
    }

    @Test
    void crashBetweenCheckpointRecordAndNoteIsCompletedOnOpen() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 3);
        Path sidecar = LogDirectory.checkpointsFile(dir);
        List<String> notes = Files.readAllLines(sidecar);
        long lostSize = checkpoints().getLast().size();
        Files.write(sidecar, notes.subList(0, notes.size() - 1));
        TestLogs.write(dir, key, TestLogs.options(), 1);
        assertTrue(checkpoints().stream().anyMatch(c -> c.size() == lostSize), "the interrupted checkpoint was signed");
    }

    @Test
    void anInterruptedAppenderDoesNotBreakTheLog() throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, TestLogs.options())) {
            Thread.currentThread().interrupt(); // e.g. a worker whose 9P request was flushed
            try {
                log.append(TestLogs.decision(1));
            } finally {
                Thread.interrupted();
            }
            log.append(TestLogs.decision(2));
        }
        assertEquals(
                List.of("start", "checkpoint", "decision", "decision", "shutdown", "checkpoint"),
                records().stream().map(AuditRecord::type).toList());
    }

    @Test
    void aSecondWriterIsRefusedUntilTheFirstCloses() throws Exception {
        try (AuditLog first = AuditLog.open(dir, key, TestLogs.options())) {
            java.io.IOException e =
                    assertThrows(java.io.IOException.class, () -> AuditLog.open(dir, key, TestLogs.options()));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            first.append(TestLogs.decision(1));
        }
        TestLogs.write(dir, key, TestLogs.options(), 1);
        chainLinksEachStoredLineToTheNextIn();
    }

    @Test
    void refusesToAppendToALogThatDoesNotMatchItsCheckpoint() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 3);
        Path seg = LogDirectory.segments(dir).getFirst();
        Files.writeString(seg, Files.readString(seg).replace("vm-a", "vm-z"));
        assertThrows(LogInconsistentException.class, () -> AuditLog.open(dir, key, TestLogs.options()));
    }
}

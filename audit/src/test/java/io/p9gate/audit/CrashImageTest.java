package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.verify.Progress;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash is reported as a crash, never as tampering (issue 8 item 10, R-AUD-3). The image of a {@code kill -9}
 * is the directory's files as they are at that moment (the page cache survives a process's death): taken here
 * by copying the directory while the checkpoint thread is held just before it signs, so the log holds
 * checkpoint records whose notes were never written, with more records after them.
 */
class CrashImageTest {
    @TempDir
    Path tmp;

    private final SigningKey key = TestLogs.key("test-key");

    /** Holds the checkpoint thread before it signs, once armed, until released. */
    private static final class StalledSigning implements CheckpointObserver {
        final Seams.Hold hold = new Seams.Hold();

        @Override
        public void signing(Checkpoint checkpoint) {
            hold.holdIfArmed();
        }
    }

    /** Writes a log, stalls its signing, appends past two more checkpoint records and copies the directory. */
    private Path crashImage() throws Exception {
        Path live = tmp.resolve("live");
        Path image = tmp.resolve("image");
        StalledSigning stall = new StalledSigning();
        try (AuditLog log = AuditLog.open(live, key, TestLogs.options(), stall)) {
            for (int i = 0; i < 20; i++) {
                log.append(TestLogs.decision(i));
            }
            stall.hold.arm();
            for (int i = 0; i < 40; i++) { // two count checkpoints (every 16 records), then records after them
                log.append(TestLogs.decision(i));
            }
            stall.hold.awaitHeld(); // the checkpoint thread is about to sign
            copy(live, image);
            stall.hold.release();
        }
        return image;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private VerificationReport verify(Path dir) throws IOException {
        return new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
    }

    /** Sizes announced by the checkpoint records: a record at seq s announces a note of size s + 1. */
    private static List<Long> announcedSizes(Path dir) throws IOException {
        List<Long> sizes = new ArrayList<>();
        SegmentReader.forEachLine(
                dir,
                line -> LineHeader.parse(line.bytes())
                        .filter(LineHeader::isCheckpoint)
                        .ifPresent(h -> sizes.add(h.seq() + 1)));
        return sizes;
    }

    private static List<Long> signedSizes(Path dir) throws Exception {
        List<Long> sizes = new ArrayList<>();
        for (CheckpointStore.Entry e : TestLogs.checkpoints(dir)) {
            sizes.add(Checkpoint.parse(
                            io.p9gate.audit.note.SignedNote.parse(e.noteText()).body())
                    .size());
        }
        return sizes;
    }

    @Test
    void theImageOfACrashBeforeTheNotesIsAnUnanchoredTail() throws Exception {
        Path image = crashImage();
        List<Long> unsigned = new ArrayList<>(announcedSizes(image));
        unsigned.removeAll(signedSizes(image));
        assertTrue(unsigned.size() >= 2, "the image holds checkpoint records without notes: " + unsigned);

        VerificationReport r = verify(image);
        assertTrue(r.ok(), r.summary());
        assertTrue(r.unanchored() > 0, r.summary());
        assertTrue(r.summary().contains("(crash or live log, not tampering)"), r.summary());
    }

    /**
     * The START record's {@code recovered_unanchored} is what the crash left without a note, what {@code audit verify}
     * called the image's unanchored tail, however soon the checkpoint thread signs the recovered checkpoints: the
     * count read the last signed checkpoint while that thread signed them, and said fewer records when it was done
     * first (found by reading, session 37).
     */
    @Test
    void theStartRecordCountsWhatTheCrashLeftUnanchoredEvenOnceItsCheckpointsAreSigned() throws Exception {
        Path image = crashImage();
        long unanchored = verify(image).unanchored();
        assertTrue(unanchored > 0, "the crash left records without a note");
        CheckpointObserver signedFirst = new CheckpointObserver() {
            @Override
            public void beforeStartRecord(Future<?> recovered) {
                assertDoesNotThrow(() -> recovered.get());
            }
        };
        AuditLog.open(image, key, TestLogs.options(), signedFirst).close();
        String start = TestLogs.records(image).stream()
                .filter(r -> r.type().equals("start"))
                .toList()
                .getLast()
                .detail();
        assertTrue(start.contains(" recovered_unanchored=" + unanchored + " "), start);
    }

    @Test
    void restartSignsTheCheckpointsTheCrashLeftUnsignedSoLaterRunsStillVerify() throws Exception {
        Path image = crashImage();
        TestLogs.write(image, key, TestLogs.options(), 5); // the restart, a few records, a clean shutdown

        List<Long> unsigned = new ArrayList<>(announcedSizes(image));
        unsigned.removeAll(signedSizes(image));
        assertEquals(List.of(), unsigned, "every checkpoint record has its signed note after the restart");
        try (Stream<Path> files = Files.list(image)) {
            assertEquals(
                    List.of(),
                    files.filter(f -> f.getFileName().toString().startsWith("set-aside-"))
                            .toList(),
                    "a crash's tail is the gateway's own: nothing is set aside");
        }
        VerificationReport r = verify(image);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }

    /**
     * A crash, then a restart with a new key: the restart signs the checkpoints the crash left unsigned with the new
     * key, though the records they cover were written under the old one. That is the writer's own late signing,
     * not a retired key signing later records (docs/audit-format.md, "Keys"), and must verify.
     */
    @Test
    void restartWithANewKeyAfterACrashSignsTheOldRunsCheckpointsAndVerifies() throws Exception {
        Path image = crashImage();
        List<Long> unsigned = new ArrayList<>(announcedSizes(image));
        unsigned.removeAll(signedSizes(image));
        SigningKey next = TestLogs.key("test-key-2027");
        TestLogs.write(image, next, TestLogs.options(), 5);

        assertTrue(unsigned.size() >= 2, "the image holds checkpoint records without notes: " + unsigned);
        VerificationReport r =
                new Verifier(List.of(key.verifierKey(), next.verifierKey()), null, Progress.NONE).verify(image);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
        for (long size : unsigned) {
            assertEquals(
                    "test-key-2027",
                    signerOf(image, size),
                    "the crash's checkpoint of size " + size + " is signed by the new key at restart");
        }
    }

    private static String signerOf(Path dir, long size) throws Exception {
        for (CheckpointStore.Entry e : TestLogs.checkpoints(dir)) {
            io.p9gate.audit.note.SignedNote note = io.p9gate.audit.note.SignedNote.parse(e.noteText());
            if (Checkpoint.parse(note.body()).size() == size) {
                return note.signatures().getFirst().keyName();
            }
        }
        return null;
    }
}

package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's recovery at start never signs records the run order says no gateway wrote (docs/audit-format.md,
 * "Recovery at open"): after a clean shutdown nothing but the next run's start may follow, and nothing follows an
 * open checkpoint whose note is missing. Before, the next start's checkpoint covered such records as its own. Now
 * they are moved, as stored, to a file beside the log, and the gateway starts and serves on.
 */
class ForgedTailTest {
    @TempDir
    Path dir;

    private final SigningKey key = TestLogs.key("ecu-a-audit");

    @BeforeEach
    void cleanlyClosedLog() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 20);
    }

    private VerificationReport verify() throws IOException {
        return new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
    }

    /** Appends copies of the stored lines at {@code copied} (indexes), renumbered and chained on: forged records. */
    private void append(int... copied) throws Exception {
        LogEditor e = new LogEditor(dir);
        int first = e.lines.size();
        for (int i : copied) {
            e.insert(e.lines.size(), e.lines.get(i).replace("/data/", "/forged/"));
        }
        e.renumberFrom(first);
        e.rechainFrom(first);
        e.save();
    }

    private List<Path> setAsideFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("set-aside-"))
                    .toList();
        }
    }

    private static int indexOf(LogEditor e, String text) {
        for (int i = 0; i < e.lines.size(); i++) {
            if (e.lines.get(i).contains(text)) {
                return i;
            }
        }
        throw new IllegalArgumentException(text);
    }

    @Test
    void recordsForgedAfterACleanShutdownAreSetAsideNotSigned() throws Exception {
        LogEditor before = new LogEditor(dir);
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(decision, decision + 1);
        TestLogs.write(dir, key, TestLogs.options(), 3); // the next start

        VerificationReport r = verify();
        assertTrue(r.ok(), "nothing forged is in the log any more: " + r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
        List<AuditRecord> records = TestLogs.records(dir);
        assertFalse(records.stream().anyMatch(x -> x.path() != null && x.path().startsWith("/forged/")));
        List<Path> aside = setAsideFiles();
        assertEquals(1, aside.size(), "the forged records are kept, beside the log, as stored");
        List<String> kept = Files.readAllLines(aside.getFirst(), StandardCharsets.US_ASCII);
        assertEquals(2, kept.size());
        assertTrue(kept.getFirst().contains("/forged/"), kept.getFirst());
        AuditRecord start = records.stream()
                .filter(x -> x.type().equals("start") && x.detail().startsWith("key="))
                .toList()
                .getLast();
        assertTrue(
                start.detail()
                        .contains(" set_aside=2 set_aside_file="
                                + aside.getFirst().getFileName()),
                start.detail());
    }

    @Test
    void recordsForgedAfterAnOpenCheckpointWithoutItsNoteAreSetAside() throws Exception {
        LogEditor before = new LogEditor(dir);
        int start = indexOf(before, "\"detail\":\"key=");
        int open = indexOf(before, "reason=open");
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(start, open, decision); // a run's opening, as a crash while opening leaves it, then a record
        TestLogs.write(dir, key, TestLogs.options(), 3);

        VerificationReport r = verify();
        assertTrue(r.ok(), r.summary());
        assertEquals(1, Files.readAllLines(setAsideFiles().getFirst()).size(), "the decision only");
    }

    /**
     * A segment of the forged tail replaced by a FIFO after recovery read it, before its copy is made: the start was
     * held in open(2) for ever (a link to /dev/zero there copied zeros until the disk was full). Now the start is
     * refused, naming the file, and nothing is cut.
     */
    @Test
    void aFifoRenamedOverATailSegmentBeforeItsCopyFailsTheStartNotHoldsIt() throws Exception {
        LogEditor before = new LogEditor(dir);
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(decision, decision + 1);
        Path fifo = Files.createDirectory(dir.resolveSibling(dir.getFileName() + "-fifo"))
                .resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<Path> copied = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<Path> swap = file -> {
            copied.add(file);
            try {
                Files.move(fifo, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            startRefusedWhile(swap, copied);
            assertEquals(List.of(), setAsideFiles(), "a copy refused leaves no set-aside file");
        } finally {
            for (Path f : copied) {
                // Opened read-write for a moment (never blocks on Linux): a reader held in open(2) goes on.
                new ProcessBuilder("sh", "-c", ": <> \"$0\"", f.toString())
                        .start()
                        .waitFor();
            }
        }
    }

    /**
     * The segment the forged tail starts in, replaced by a link to a copy outside the directory once recovery read it:
     * the copy read through the link (as a reader does), and the cut then truncated the file outside the audit
     * directory. The cut writes only a file of the directory itself: the start is refused, the file outside intact.
     */
    @Test
    void theCutOfTheLogDoesNotTruncateAFileOutsideItThroughALink() throws Exception {
        LogEditor before = new LogEditor(dir);
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(decision, decision + 1);
        Path outside = Files.createDirectory(dir.resolveSibling(dir.getFileName() + "-outside"))
                .resolve("victim");
        List<Path> copied = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Consumer<Path> swap = file -> {
            copied.add(file);
            try {
                Files.copy(file, outside);
                Files.delete(file);
                Files.createSymbolicLink(file, outside);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        startRefusedWhile(swap, copied);
        assertTrue(
                Files.readString(outside, StandardCharsets.US_ASCII).contains("/forged/"),
                "the file outside the directory is not cut");
    }

    /**
     * The next start, with {@code swap} run where ForgedTail copies a file of the tail (into {@code copied}): refused
     * within 10 s, naming the one file copied as no regular file.
     */
    private void startRefusedWhile(java.util.function.Consumer<Path> swap, List<Path> copied) throws Exception {
        // ForgedTail is io.p9gate.audit's; its seam is reached as a test of that package would.
        java.lang.reflect.Field seam =
                Class.forName("io.p9gate.audit.ForgedTail").getDeclaredField("beforeCopy");
        seam.setAccessible(true);
        seam.set(null, swap);
        try {
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IOException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                            java.time.Duration.ofSeconds(10), () -> TestLogs.write(dir, key, TestLogs.options(), 3)));
            assertEquals(1, copied.size(), "the seam ran where the tail's segment is copied");
            assertTrue(
                    e.getMessage().contains(copied.getFirst().getFileName() + " is not a regular file"),
                    e.getMessage());
        } finally {
            seam.set(null, (java.util.function.Consumer<Path>) file -> {});
        }
    }

    /**
     * A forged tail followed by a hole (a sparse file: {@code truncate -s +16T}, no block used): readers skip a hole to
     * the end as not written yet, but the set-aside copied it as zeros, byte by byte, into a real file: the start
     * wrote until the file system was full (other writers of it failing meanwhile), then was refused for ever.
     */
    @Test
    void aHoleAfterAForgedTailIsNotCopiedAsZeros() throws Exception {
        LogEditor before = new LogEditor(dir);
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(decision, decision + 1);
        Path last = io.p9gate.audit.read.LogDirectory.segments(dir).getLast();
        long hole = 256L << 20; // small enough for a test, were it copied
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(last.toFile(), "rw")) {
            f.setLength(f.length() + hole);
        }
        TestLogs.write(dir, key, TestLogs.options(), 3);

        List<Path> aside = setAsideFiles();
        assertEquals(1, aside.size());
        assertEquals(
                2,
                Files.readAllLines(aside.getFirst(), StandardCharsets.US_ASCII).stream()
                        .filter(l -> l.contains("/forged/"))
                        .count());
        assertTrue(Files.size(aside.getFirst()) < hole, "the hole is not copied: " + Files.size(aside.getFirst()));
        VerificationReport r = verify();
        assertTrue(r.ok(), r.summary());
    }

    /**
     * On a file system that reports no holes (lseek SEEK_DATA answers "data" up to the end: exfat, NFSv3, many FUSE
     * file systems) a hole after a forged tail reads as zeros, and the copy read them all, each byte scanned twice:
     * a tail made with {@code truncate -s +1T} kept every start busy for hours. The copy reads at most its limit
     * (1 GiB; 16 MiB here) and then refuses the start, naming the tail, with nothing cut and no copy left.
     */
    @Test
    void aTailBeyondTheCopyLimitIsRefusedNotReadToItsEnd() throws Exception {
        LogEditor before = new LogEditor(dir);
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(decision, decision + 1);
        Path last = io.p9gate.audit.read.LogDirectory.segments(dir).getLast();
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(last.toFile(), "rw")) {
            f.setLength(f.length() + (256L << 20));
        }
        long size = Files.size(last);
        Class<?> tail = Class.forName("io.p9gate.audit.ForgedTail");
        java.lang.reflect.Field holes = tail.getDeclaredField("holeAt");
        java.lang.reflect.Field limit = tail.getDeclaredField("readLimit");
        holes.setAccessible(true);
        limit.setAccessible(true);
        Object reported = holes.get(null);
        long kept = limit.getLong(null);
        assertEquals(1L << 30, kept);
        holes.set(null, (java.util.function.ToLongBiFunction<io.p9gate.audit.read.StoredFile, Long>) (f, at) -> 0);
        limit.setLong(null, 16L << 20);
        try {
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IOException.class, () -> TestLogs.write(dir, key, TestLogs.options(), 3));
            assertTrue(e.getMessage().contains("more than 16777216 bytes"), e.getMessage());
            assertTrue(e.getMessage().contains(last.getFileName().toString()), e.getMessage());
        } finally {
            holes.set(null, reported);
            limit.setLong(null, kept);
        }
        assertEquals(List.of(), setAsideFiles(), "no copy is left");
        assertEquals(size, Files.size(last), "nothing is cut");
    }

    /**
     * The copy limit is the most a tail may take (ed3cbcb2): a tail of exactly the limit's bytes is set aside, and
     * with a limit one byte smaller the same tail is refused with nothing cut (a pin of the bound's edge).
     */
    @Test
    void aTailOfExactlyTheCopyLimitIsSetAsideAndOneByteMoreIsRefused() throws Exception {
        Path last = forgedTailInLastSegment();
        long tail = Files.size(last) - firstForgedOffset(last);
        java.lang.reflect.Field limit =
                Class.forName("io.p9gate.audit.ForgedTail").getDeclaredField("readLimit");
        limit.setAccessible(true);
        long kept = limit.getLong(null);
        try {
            limit.setLong(null, tail - 1);
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IOException.class, () -> TestLogs.write(dir, key, TestLogs.options(), 3));
            assertTrue(e.getMessage().contains("more than " + (tail - 1) + " bytes"), e.getMessage());
            assertEquals(List.of(), setAsideFiles(), "no copy is left");
            assertEquals(tail, Files.size(last) - firstForgedOffset(last), "nothing is cut");

            limit.setLong(null, tail);
            TestLogs.write(dir, key, TestLogs.options(), 3);
        } finally {
            limit.setLong(null, kept);
        }
        assertEquals(1, setAsideFiles().size(), "the tail is set aside: " + setAsideFiles());
        assertEquals(tail, Files.size(setAsideFiles().getFirst()), "all of it");
    }

    /**
     * A hole before data in a forged tail (a sparse file: 256 MiB never written, then a byte): the set-aside holds
     * exactly the bytes cut, the hole as zeros, and stays sparse itself.
     */
    @Test
    void aHoleBeforeDataIsSetAsideAsTheSameBytesAndStaysSparse() throws Exception {
        Path last = forgedTailInLastSegment();
        long tail = firstForgedOffset(last);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(last.toFile(), "rw")) {
            f.seek(f.length() + (256L << 20));
            f.write('x');
        }
        startAndFindTheTailSetAsideSparse(last, tail);
    }

    /**
     * A forged tail made sparse with one byte in every 64 KiB (one 4 KiB block of every sixteen stored): the copy
     * asked for holes only after a chunk of 64 KiB of zeros, so it stored every block, sixteen times the disk the
     * tail used (64 MiB from 4 MiB here; 16 TiB from 1 TiB): a local user's disk quota multiplied on the audit file
     * system. The set-aside stores at most two blocks per block the tail stored, and holds exactly the bytes cut.
     */
    @Test
    void aTailWithOneByteInEvery64KibStaysAsSparseInItsSetAside() throws Exception {
        Path last = forgedTailInLastSegment();
        long tail = firstForgedOffset(last);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(last.toFile(), "rw")) {
            long base = f.length();
            for (int k = 0; k < 1024; k++) {
                f.seek(base + (k << 16) + (32 << 10));
                f.write('x');
            }
        }
        startAndFindTheTailSetAsideSparse(last, tail);
    }

    /**
     * Starts the gateway on the log whose last segment holds a forged tail from {@code tail} on: the set-aside holds
     * exactly the bytes cut and stores at most two blocks per block the tail stored (a block of the tail lies across
     * at most two of the copy's: the tail starts mid-block).
     */
    private void startAndFindTheTailSetAsideSparse(Path last, long tail) throws Exception {
        long stored = allocatedBytes(last);
        String cut = sha256(last, tail);
        long cutBytes = Files.size(last) - tail;
        TestLogs.write(dir, key, TestLogs.options(), 3);

        Path aside = setAsideFiles().getFirst();
        assertEquals(cutBytes, Files.size(aside));
        assertEquals(cut, sha256(aside, 0), "the set-aside is the bytes cut");
        assertTrue(
                allocatedBytes(aside) <= 2 * stored,
                allocatedBytes(aside) + " bytes stored for a tail stored in " + stored);
        assertTrue(verify().ok());
    }

    private Path forgedTailInLastSegment() throws Exception {
        LogEditor before = new LogEditor(dir);
        int decision = indexOf(before, "\"type\":\"decision\"");
        append(decision, decision + 1);
        return io.p9gate.audit.read.LogDirectory.segments(dir).getLast();
    }

    /** Where the first forged line starts in {@code segment}. */
    private static long firstForgedOffset(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("/forged/");
        assertTrue(at > 0, "a forged line in " + segment);
        while (at > 0 && bytes[at - 1] != '\n') {
            at--;
        }
        return at;
    }

    private static String sha256(Path file, long from) throws Exception {
        java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20);
            for (long at = from; c.read(b.clear(), at) > 0; at += b.position()) {
                d.update(b.flip());
            }
        }
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    /** The bytes the file system stores for {@code file} (st_blocks, 512 bytes each). */
    private static long allocatedBytes(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, stat.waitFor());
        return Long.parseLong(out) * 512;
    }

    @Test
    void aCleanRestartSetsNothingAside() throws Exception {
        TestLogs.write(dir, key, TestLogs.options(), 3);
        assertEquals(List.of(), setAsideFiles());
        assertTrue(verify().ok());
    }

    /**
     * A crash while opening, between the run's start record and its open checkpoint (both are appended at open,
     * one write each), then a restart with a new key: the log holds a start followed by the next start. That is a
     * crash's image, not tampering: nothing is set aside, and the log verifies. Before, verify read the second start
     * as INSERTED (a run opens with its start, a key change and its open checkpoint).
     */
    @Test
    void aCrashWhileOpeningThenARestartWithANewKeyVerifies() throws Exception {
        LogEditor before = new LogEditor(dir);
        append(indexOf(before, "\"detail\":\"key=")); // the start record the crashed run wrote
        SigningKey next = TestLogs.key("ecu-a-audit-2027");
        TestLogs.write(dir, next, TestLogs.options(), 3);

        assertEquals(List.of(), setAsideFiles());
        VerificationReport r =
                new Verifier(List.of(key.verifierKey(), next.verifierKey()), null, Progress.NONE).verify(dir);
        assertTrue(r.ok(), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }
}

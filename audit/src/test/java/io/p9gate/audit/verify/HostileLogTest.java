package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile bytes in an audit directory (someone with write access, not the key): the verifier must report each as
 * a finding with the right class and keep verifying the rest, never abort with an unexplained error, crash or run
 * out of memory.
 */
class HostileLogTest {
    @TempDir
    static Path work;

    static Path base;
    static SigningKey key;
    static final AuditOptions OPTIONS = TestLogs.options().withMaxSegmentBytes(8_000);
    private static int copies;

    @BeforeAll
    static void writeBaseLog() throws Exception {
        key = TestLogs.key("ecu-a-audit");
        base = work.resolve("base");
        TestLogs.write(base, key, OPTIONS, 60);
    }

    private static Path copy() throws Exception {
        return LogEditor.copy(base, work.resolve("copy" + copies++));
    }

    private static VerificationReport verify(Path dir) throws Exception {
        return new Verifier(List.of(key.verifierKey()), null, Progress.NONE).verify(dir);
    }

    /**
     * A sidecar line that is not UTF-8 (here 0xff 0xfe) is a line that is not a checkpoint: MALFORMED, as a line that
     * is not JSON is. It used to abort the whole verification with "Input length = 1" (exit 1, "log cannot be
     * read"), so one stray byte hid every other finding and said nothing a reviewer could act on.
     */
    @Test
    void aSidecarLineThatIsNotUtf8IsMalformedAndTheRestIsStillVerified() throws Exception {
        Path dir = copy();
        Files.write(
                LogDirectory.checkpointsFile(dir),
                new byte[] {(byte) 0xff, (byte) 0xfe, '\n'},
                StandardOpenOption.APPEND);
        VerificationReport r = verify(dir);
        assertEquals(FindingClass.MALFORMED.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.summary().contains("checkpoints line"), r.summary());
        assertTrue(r.verifiedCheckpoints() > 0, r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());
    }

    /**
     * A record whose seq is edited to the largest there is (9223372036854775807): one past it overflowed, so the
     * verifier reported {@code records -9223372036854775808..11 were deleted}, a negative range overlapping the next
     * finding, instead of what the same edit to any other large seq reads as.
     */
    @Test
    void theLargestSeqIsReportedAsAnyOtherLargeOneNotAsANegativeRange() throws Exception {
        VerificationReport largest = verify(withSeq(11, Long.MAX_VALUE));
        VerificationReport next = verify(withSeq(11, Long.MAX_VALUE - 1));
        assertFalse(largest.summary().contains("-9223372036854775808"), largest.summary());
        assertEquals(next.exitCode(), largest.exitCode(), largest.summary());
        long after = largest.records(); // the seqs after the log's last record, up to the one claimed
        assertTrue(
                largest.summary().contains("records " + after + "..9223372036854775806 were deleted"),
                largest.summary());
        assertTrue(next.summary().contains("records " + after + "..9223372036854775805 were deleted"), next.summary());
    }

    /**
     * A copy of the base log whose record {@code seq} claims {@code claimed} instead, and whose next record links to
     * it: nothing shows that only its seq was edited (that alone reads as one modified record, TamperCorpusTest), so
     * the verifier takes the seqs as they stand.
     */
    private static Path withSeq(long seq, long claimed) throws Exception {
        Path dir = copy();
        LogEditor editor = new LogEditor(dir);
        int at = editor.indexOfSeq(seq);
        editor.lines.set(at, editor.lines.get(at).replaceFirst("^\\{\"seq\":\\d+,", "{\"seq\":" + claimed + ","));
        editor.rechain(at + 1, at + 2);
        editor.save();
        return dir;
    }

    /**
     * A segment line of 40 MiB (a doctored segment: the writer never writes one) must be reported as MALFORMED,
     * named with its length, and be read without holding it whole: the reader kept every line whole, so a line of a
     * few GiB without a newline (a sparse file costs the attacker no disk) ran {@code audit verify} out of memory
     * ({@code Terminating due to java.lang.OutOfMemoryError}) or, past 1 GiB, printed {@code error: -2147483648}
     * (the buffer's doubled size overflowed), and stopped the writer's recovery the same way.
     */
    @Test
    void aGiganticLineIsMalformedAndIsNotHeldWhole() throws Exception {
        Path dir = copy();
        Path last = LogDirectory.segments(dir).getLast();
        int length = 40 << 20;
        byte[] line = new byte[length + 1];
        java.util.Arrays.fill(line, (byte) 'x');
        line[length] = '\n';
        Files.write(last, line, StandardOpenOption.APPEND);

        long[] longest = {0};
        io.p9gate.audit.read.SegmentReader.forEachLine(dir, l -> longest[0] = Math.max(longest[0], l.bytes().length));
        assertTrue(longest[0] <= SegmentReader.MAX_LINE_BYTES, "a reader held a line of " + longest[0] + " bytes");

        VerificationReport r = verify(dir);
        assertEquals(FindingClass.MALFORMED.exitCode(), r.exitCode(), r.summary());
        assertTrue(r.summary().contains("a line of " + length + " bytes"), r.summary());
    }

    /** The same line without a newline at the end of the last segment is no crash's torn record: MALFORMED too. */
    @Test
    void aGiganticTornLineIsMalformedNotACrashTail() throws Exception {
        Path dir = copy();
        byte[] line = new byte[SegmentReader.MAX_LINE_BYTES + 10];
        java.util.Arrays.fill(line, (byte) 'x');
        Files.write(LogDirectory.segments(dir).getLast(), line, StandardOpenOption.APPEND);
        VerificationReport r = verify(dir);
        assertEquals(FindingClass.MALFORMED.exitCode(), r.exitCode(), r.summary());
        assertEquals(0, r.tornBytes(), r.summary());
    }

    /** What readers refuse, the writer never writes: a record longer than the limit is refused, the log goes on. */
    @Test
    void theWriterRefusesARecordLongerThanReadersAccept() throws Exception {
        Path dir = copy();
        try (io.p9gate.audit.AuditLog log = io.p9gate.audit.AuditLog.open(dir, key, OPTIONS)) {
            // In the detail: a path this long is recorded abbreviated (AbbreviatedPath), a detail as given.
            String huge = "a".repeat(SegmentReader.MAX_LINE_BYTES);
            io.p9gate.audit.AuditEvent.Decision tooLong =
                    TestLogs.decision(1, TestLogs.decision(1).path(), huge);
            org.junit.jupiter.api.Assertions.assertThrows(
                    io.p9gate.audit.AuditWriteException.class, () -> log.append(tooLong));
            assertTrue(log.writable());
            log.append(TestLogs.decision(2));
        }
        VerificationReport r = verify(dir);
        assertTrue(r.ok(), r.summary());
    }

    /**
     * A flood of garbage lines (here 30,000: "x" each, 60 KB) is as many MALFORMED findings: the first of them are
     * listed, the rest counted, and the exit code is MALFORMED's. One stored and printed finding per line let 3
     * million lines (6 MB) run the verifier out of a 256 MiB heap and print 3 million lines.
     */
    @Test
    void aFloodOfGarbageLinesIsCountedNotListedLineByLine() throws Exception {
        Path dir = copy();
        Path last = LogDirectory.segments(dir).getLast();
        Files.write(
                last,
                "x\n".repeat(30_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND);
        VerificationReport r = verify(dir);
        assertEquals(
                FindingClass.MALFORMED.exitCode(),
                r.exitCode(),
                r.summary().lines().limit(3).toList().toString());
        assertEquals(FindingList.LISTED_PER_CLASS, r.findings().size());
        assertEquals(java.util.Map.of(FindingClass.MALFORMED, 29_000L), r.omitted());
        assertTrue(
                r.summary().contains("MALFORMED: 29000 more, not listed"),
                r.summary().lines().toList().getLast());
        assertTrue(r.toJson().contains("\"MALFORMED\" : 29000"), "JSON counts them too");
        assertEquals(
                r.findings().size() + 2, r.summary().lines().count(), "one line per listed finding, one for the rest");
    }

    /**
     * A file named like a segment that is no regular file: a FIFO blocked the reader in open(2) for ever, and a link to
     * /dev/zero fed it zeros for ever, so {@code audit verify}, {@code audit show} and the gateway's start hung
     * instead of naming the segment. Each is now refused with one error naming it.
     */
    @Test
    void aSegmentThatIsAFifoOrADeviceIsNamedNotWaitedOn() throws Exception {
        Path fifoDir = copy();
        Path fifo = LogDirectory.segmentFile(fifoDir, 1_000_000);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path zeroDir = copy();
        Path zero = LogDirectory.segmentFile(zeroDir, 1_000_000);
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        for (Path segment : List.of(fifo, zero)) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                            java.time.Duration.ofSeconds(30), () -> verify(segment.getParent())));
            assertTrue(e.getMessage().contains(segment.getFileName() + " is not a regular file"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                            java.time.Duration.ofSeconds(30),
                            () -> io.p9gate.audit.AuditLog.open(segment.getParent(), key, OPTIONS)
                                    .close()));
        }
    }

    /** The same for the sidecar: a FIFO in place of checkpoints.jsonl hung verify and the gateway's start. */
    @Test
    void aSidecarThatIsAFifoIsNamedNotWaitedOn() throws Exception {
        Path dir = copy();
        Path sidecar = LogDirectory.checkpointsFile(dir);
        Files.delete(sidecar);
        assertEquals(0, new ProcessBuilder("mkfifo", sidecar.toString()).start().waitFor());
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class,
                () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        java.time.Duration.ofSeconds(30), () -> verify(dir)));
        assertTrue(e.getMessage().contains("checkpoints.jsonl is not a regular file"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class,
                () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        java.time.Duration.ofSeconds(30),
                        () -> io.p9gate.audit.AuditLog.open(dir, key, OPTIONS).close()));
    }

    /** Never opened (it would hold the start in open(2)): set aside as found (StrayPendingTest), the log starts. */
    @Test
    void aPendingSegmentThatIsAFifoIsSetAsideNotWaitedOn() throws Exception {
        Path dir = copy();
        Path pending = dir.resolve("segment-next.pending");
        assertEquals(0, new ProcessBuilder("mkfifo", pending.toString()).start().waitFor());
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(30),
                () -> io.p9gate.audit.AuditLog.open(dir, key, OPTIONS).close());
        assertFalse(Files.exists(pending, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    1,
                    files.filter(p -> p.getFileName().toString().startsWith("segment-next.pending.found-"))
                            .filter(p -> !Files.isRegularFile(p))
                            .count(),
                    "the FIFO is kept, as found");
        }
    }

    /**
     * A segment that is a sparse file of 1 TiB (one {@code truncate}: it costs the attacker no disk) was read zero by
     * zero: {@code verify} (and {@code show}, and the gateway's start) ran for hours. A hole is zeros, so it is
     * skipped as zeros: one to the end of the last segment is zeros not written yet, as the writer's own are, and one
     * followed by a byte is a line as long as the hole, MALFORMED.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // before: hours
    void aHoleOfATerabyteIsSkippedNotReadZeroByZero() throws Exception {
        long tib = 1L << 40;
        Path dir = copy();
        Path hole = LogDirectory.segmentFile(dir, 1_000_000);
        try (FileChannel ch = FileChannel.open(hole, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(new byte[] {0}), tib - 1);
        }
        VerificationReport r = verify(dir);
        assertEquals(0, r.exitCode(), r.summary());
        assertEquals(r.records(), r.anchored(), r.summary());

        try (FileChannel ch = FileChannel.open(hole, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'x', '\n'}), tib);
        }
        VerificationReport junk = verify(dir);
        assertEquals(FindingClass.MALFORMED.exitCode(), junk.exitCode(), junk.summary());
        assertTrue(junk.summary().contains("a line of " + (tib + 1) + " bytes"), junk.summary());
    }

    /**
     * A segment or sidecar linked to a file of a pseudo file system (/proc, /sys, debugfs...): regular, and yet no file
     * the gateway wrote. {@code /proc/kcore} states a size of 128 TiB, so the bound at the size once opened did not
     * help: {@code verify} (and {@code show}, and the gateway's start) read it for days. {@code /proc/self/pagemap}
     * (size 0) read as an empty segment and the log verified OK with it. Each is now refused with one error naming it.
     */
    @Test
    void aSegmentOrSidecarOnAPseudoFileSystemIsRefusedNotRead() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/pagemap")), "a Linux /proc");
        // /proc/kcore: readable by root only, and absent in some containers
        for (String target : Stream.of("/proc/kcore", "/proc/self/pagemap", "/sys/kernel/notes")
                .filter(t -> Files.isReadable(Path.of(t)))
                .toList()) {
            Path segmentDir = copy();
            Path segment = LogDirectory.segmentFile(segmentDir, 1_000_000);
            Files.createSymbolicLink(segment, Path.of(target));
            Path sidecarDir = copy();
            Path sidecar = LogDirectory.checkpointsFile(sidecarDir);
            Files.delete(sidecar);
            Files.createSymbolicLink(sidecar, Path.of(target));
            for (Path file : List.of(segment, sidecar)) {
                java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.io.IOException.class,
                        () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                                java.time.Duration.ofSeconds(30), () -> verify(file.getParent())));
                assertTrue(
                        e.getMessage().contains(file.getFileName() + " is not a regular file")
                                && e.getMessage().contains(target),
                        e.getMessage());
                org.junit.jupiter.api.Assertions.assertThrows(
                        java.io.IOException.class,
                        () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                                java.time.Duration.ofSeconds(30),
                                () -> io.p9gate.audit.AuditLog.open(file.getParent(), key, OPTIONS)
                                        .close()));
            }
        }
    }
    /**
     * A segment linked to a file of a proc that only another mount namespace has (here one {@code unshare -m} mounted
     * and holds; reached through {@code /proc/PID/root}): the JDK finds no entry for it in this process's mount table,
     * so {@code Files.getFileStore} threw and the pseudo-file-system check let it through (fail open): the segment read
     * as an empty one (pagemap states size 0), and one to such a {@code kcore} would have been read for days. The
     * check is now made on the opened file itself ({@code fstatfs}), whatever the mount table says.
     */
    @Test
    void aSegmentOnAProcOfAnotherMountNamespaceIsRefusedNotRead() throws Exception {
        Path mountPoint = Files.createDirectory(work.resolve("foreign-proc-" + copies));
        Process holder = new ProcessBuilder(
                        "unshare",
                        "--mount",
                        "--propagation",
                        "private",
                        "sh",
                        "-c",
                        "mount -t proc proc \"$0\" && echo ready && exec sleep 600",
                        mountPoint.toString())
                .redirectErrorStream(true)
                .start();
        try {
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(
                            holder.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))
                    .readLine();
            assumeTrue("ready".equals(first), "a mount namespace with its own proc (needs CAP_SYS_ADMIN): " + first);
            Path target = Path.of("/proc/" + holder.pid() + "/root")
                    .resolve(mountPoint.toString().substring(1))
                    .resolve("self/pagemap");
            assumeTrue(Files.isReadable(target), "the holder's root can be entered: " + target);

            Path dir = copy();
            Path segment = LogDirectory.segmentFile(dir, 1_000_000);
            Files.createSymbolicLink(segment, target);
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class,
                    () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                            java.time.Duration.ofSeconds(30), () -> verify(dir)));
            assertTrue(
                    e.getMessage().contains(segment.getFileName() + " is not a regular file")
                            && e.getMessage().contains("proc file system"),
                    e.getMessage());
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }
}

package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link StoredFile} opens, refuses, and says when it cannot tell. */
class StoredFileTest {
    @TempDir
    Path dir;

    /**
     * Without the system calls (a C library without one of them, native access refused) no file can be checked:
     * each is refused with one line naming it, never read unchecked and never a stack trace.
     */
    @Test
    void aMissingSystemCallRefusesTheFileWithOneLineNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("segment"), "x\n");
        FileCalls none = FileCalls.link(name -> Optional.empty());
        assertInstanceOf(FileCalls.Unlinked.class, none);
        IOException e = assertThrows(IOException.class, () -> StoredFile.open(file, none));
        assertTrue(e.getMessage().startsWith(file + ": cannot be checked"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aRegularFileIsReadFromAnOffsetUpToItsSizeOnceOpened() throws Exception {
        Path file = Files.writeString(dir.resolve("segment"), "0123456789");
        try (StoredFile f = StoredFile.open(file)) {
            Files.writeString(file, "appended", java.nio.file.StandardOpenOption.APPEND);
            assertEquals(10, f.size());
            try (InputStream in = f.within(4)) {
                assertEquals(2, in.skip(2));
                assertArrayEquals("6789".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
            }
        }
    }

    /** An archived segment may be a link to its archive: the link is followed. */
    @Test
    void aLinkToARegularFileIsFollowed() throws Exception {
        Path archive = Files.writeString(dir.resolve("archive"), "kept\n");
        Path link = Files.createSymbolicLink(dir.resolve("segment"), archive);
        try (StoredFile f = StoredFile.open(link);
                InputStream in = f.within(0)) {
            assertEquals("kept\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aDirectoryAFifoAndAMissingFileAreNamed() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        IOException d = assertThrows(IOException.class, () -> StoredFile.open(sub));
        // By its path, as a file of the log that cannot be read is ("PATH: permission denied"): the bare name said
        // neither which log nor where.
        assertTrue(d.getMessage().startsWith(sub + " is not a regular file (a directory)"), d.getMessage());
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException f = assertThrows(IOException.class, () -> StoredFile.open(fifo));
        assertTrue(
                f.getMessage().startsWith(fifo + " is not a regular file (a FIFO, socket or device)"), f.getMessage());
        assertThrows(NoSuchFileException.class, () -> StoredFile.open(dir.resolve("none")));
    }

    /** A regular file of /proc, opened by its own name (no link), is known by its file system's magic. */
    @Test
    void aFileOfProcIsRefusedByItsFileSystem() {
        Path status = Path.of("/proc/self/status");
        assumeTrue(Files.isRegularFile(status), "a Linux /proc");
        IOException e = assertThrows(IOException.class, () -> StoredFile.open(status));
        assertTrue(e.getMessage().contains("status is not a regular file (on the proc file system"), e.getMessage());
    }

    /**
     * A regular file of a pseudo file system is refused on its O_PATH descriptor, never opened for reading: opening
     * one runs its driver's open (a debugfs or sysfs file's), which the O_PATH look exists to avoid, as for devices.
     */
    @Test
    void aFileOfProcIsRefusedWithoutBeingOpenedForReading() throws Exception {
        Path status = Path.of("/proc/self/status");
        assumeTrue(Files.isRegularFile(status), "a Linux /proc");
        FileCalls.Linked libc = (FileCalls.Linked) FileCalls.LIBC;
        OPENS.clear();
        MethodHandle recording = MethodHandles.lookup()
                .findStatic(
                        StoredFileTest.class,
                        "recordOpen",
                        MethodType.methodType(
                                void.class, MemorySegment.class, MemorySegment.class, int.class, int.class));
        FileCalls counted = new FileCalls.Linked(
                MethodHandles.foldArguments(libc.open(), recording),
                libc.statx(),
                libc.fstatfs(),
                libc.pread(),
                libc.lseek(),
                libc.close(),
                libc.noFollow());
        IOException e = assertThrows(IOException.class, () -> StoredFile.open(status, counted));
        assertTrue(e.getMessage().contains("status is not a regular file (on the proc file system"), e.getMessage());
        assertEquals(List.of("/proc/self/status"), OPENS, "opened O_PATH only, nothing opened for reading");
    }

    private static final List<String> OPENS = new ArrayList<>();

    /** Records each open(2) of {@link #aFileOfProcIsRefusedWithoutBeingOpenedForReading}, unless it is O_PATH. */
    private static void recordOpen(MemorySegment errno, MemorySegment path, int flags, int mode) {
        OPENS.add((flags & 0x200000) != 0 ? path.getString(0) : "read: " + path.getString(0));
    }

    /** Refused files leave no descriptor behind: a verify of a directory of many bad files must not run out. */
    @Test
    void refusedFilesLeaveNoDescriptorOpen() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(fds), "a Linux /proc");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("none"));
        Path device = Files.createSymbolicLink(dir.resolve("device"), Path.of("/dev/null"));
        Path proc = Files.createSymbolicLink(dir.resolve("proc"), Path.of("/proc/self/status"));
        Path regular = Files.writeString(dir.resolve("regular"), "x\n");
        long before = count(fds);
        for (int i = 0; i < 300; i++) {
            for (Path bad : List.of(sub, fifo, dangling, device, proc, dir.resolve("none"))) {
                assertThrows(IOException.class, () -> StoredFile.open(bad).close());
            }
            StoredFile.open(regular).close();
        }
        long after = count(fds);
        // A descriptor left by any one of the seven kinds would be 300 more; other tests' closes may make it fewer.
        assertTrue(after < before + 100, "descriptors open: " + before + " before 2,100 opens, " + after + " after");
    }

    private static long count(Path fds) throws IOException {
        try (Stream<Path> open = Files.list(fds)) {
            return open.count() - 1; // the listing's own
        }
    }
}

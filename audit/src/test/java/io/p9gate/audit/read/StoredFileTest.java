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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
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
        assertTrue(d.getMessage().contains("sub is not a regular file (a directory)"), d.getMessage());
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException f = assertThrows(IOException.class, () -> StoredFile.open(fifo));
        assertTrue(f.getMessage().contains("fifo is not a regular file (a FIFO, socket or device)"), f.getMessage());
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
}

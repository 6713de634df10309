package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar replaced by a FIFO between its check and its opening: the gateway's start ({@code LogRecovery}'s last
 * note) and {@code audit show} read its last line, and were held in open(2) for ever, though it had been checked to
 * be a regular file (the segments' readers were made safe from this in cb894018; the sidecar's end was not).
 */
class SidecarSwapTest {
    @TempDir
    Path dir;

    @AfterEach
    void noSeam() {
        CheckpointStore.beforeReadLast = file -> {};
    }

    @Test
    void aFifoRenamedOverTheSidecarAfterItsCheckIsRefusedNotWaitedOn() throws Exception {
        Path sidecar = LogDirectory.checkpointsFile(dir);
        Files.writeString(sidecar, "{\"note\":\"x\"}\n");
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<Path> opened = new ArrayList<>();
        CheckpointStore.beforeReadLast = file -> {
            opened.add(file);
            try {
                Files.move(fifo, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try {
            IOException e = assertThrows(
                    IOException.class,
                    () -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CheckpointStore.readLast(dir)));
            assertTrue(e.getMessage().contains(sidecar.getFileName() + " is not a regular file"), e.getMessage());
            assertEquals(List.of(sidecar), opened, "the seam ran where the sidecar is opened");
        } finally {
            // Opened read-write for a moment (never blocks on Linux): a reader held in open(2) goes on.
            new ProcessBuilder("sh", "-c", ": <> \"$0\"", sidecar.toString())
                    .start()
                    .waitFor();
        }
    }

    /** What is read is what was opened: a regular sidecar renamed over it is read as it is. */
    @Test
    void aSidecarRenamedOverItIsReadAsOpened() throws Exception {
        Path sidecar = LogDirectory.checkpointsFile(dir);
        Files.writeString(sidecar, "{\"note\":\"old\"}\n");
        Path other = Files.writeString(dir.resolve("other"), "{\"note\":\"a\"}\n{\"note\":\"new\"}\n");
        CheckpointStore.beforeReadLast = file -> {
            try {
                Files.move(other, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        assertEquals("new", CheckpointStore.readLast(dir).orElseThrow().noteText());
    }
}

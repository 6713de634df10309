package io.p9gate.gateway.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pid file ({@code serve --pid-file}), reload outcome or compliance report named by a FIFO, socket or device is
 * refused and the node stays: the text is renamed onto the name, so before, {@code serve --pid-file /dev/null} (the
 * unit runs as root) replaced the host's {@code /dev/null} with a regular file, and deleted it at exit.
 */
class RunFileOntoSpecialFileTest {
    @TempDir
    Path dir;

    @Test
    void aFifoAtTheNameIsRefusedAndStays() throws Exception {
        Path fifo = dir.resolve("p9gate.pid");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        IOException e = assertThrows(IOException.class, () -> RunFile.replace(fifo, "4242\n"));
        assertEquals("cannot replace " + fifo + ": is a FIFO, socket or device", e.getMessage());
        assertTrue(Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(fifo), left.toList(), "the temporary file is removed");
        }
    }
}

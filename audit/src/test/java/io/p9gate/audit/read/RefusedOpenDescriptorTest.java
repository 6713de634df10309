package io.p9gate.audit.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checked open ({@link StoredFile}, {@link WritableFile}) holds one descriptor more while it checks: every refusal
 * must close it, or a local user who keeps a FIFO, a link or a vanishing file at a log's name makes each start,
 * verify or spare re-arm leak one until the process has none left.
 */
class RefusedOpenDescriptorTest {
    /** Enough that a leak of one per refusal shows over whatever else the JVM opens meanwhile. */
    private static final int TRIES = 40;

    @TempDir
    Path dir;

    private Path fifo;
    private Path link;
    private Path hardLinked;
    private Path pseudo;

    @BeforeEach
    void hostileNames() throws Exception {
        fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path target = Files.writeString(dir.resolve("target"), "x\n");
        link = Files.createSymbolicLink(dir.resolve("link"), target);
        hardLinked = Files.createLink(dir.resolve("hard"), target);
        pseudo = Files.createSymbolicLink(dir.resolve("pseudo"), Path.of("/proc/self/status"));
    }

    @FunctionalInterface
    private interface Refused {
        void open() throws Exception;
    }

    private static void holdsNoDescriptorAfter(String what, Refused refused) throws Exception {
        try {
            refused.open(); // once first: whatever the JVM opens lazily on the first failure is not counted
        } catch (IOException expected) {
            // counted below
        }
        long before = descriptors();
        for (int i = 0; i < TRIES; i++) {
            assertThrows(IOException.class, refused::open, what);
        }
        long after = descriptors();
        assertTrue(after - before < TRIES, what + ": " + before + " descriptors before, " + after + " after");
    }

    @Test
    void aReaderRefusingAFileClosesWhatItChecked() throws Exception {
        for (Path p : new Path[] {fifo, pseudo, dir.resolve("vanished"), dir}) {
            holdsNoDescriptorAfter("read " + p, () -> StoredFile.open(p).close());
        }
    }

    @Test
    void theWriterRefusingAFileClosesWhatItChecked() throws Exception {
        record Case(Path file, WritableFile.Rule rule) {}
        Case[] cases = {
            new Case(fifo, WritableFile.Rule.OWN),
            new Case(fifo, WritableFile.Rule.NEW),
            new Case(link, WritableFile.Rule.OWN_OR_NEW),
            new Case(link, WritableFile.Rule.NEW),
            new Case(hardLinked, WritableFile.Rule.OWN),
            new Case(pseudo, WritableFile.Rule.LINKED),
            new Case(dir.resolve("vanished"), WritableFile.Rule.OWN),
            new Case(dir, WritableFile.Rule.OWN),
        };
        for (Case c : cases) {
            holdsNoDescriptorAfter(c.rule() + " " + c.file(), () -> WritableFile.open(c.file(), c.rule(), d -> d));
        }
    }

    @Test
    void anOpenerThatFailsLeavesNoDescriptorNorAFileHalfMade() throws Exception {
        Path made = dir.resolve("made");
        holdsNoDescriptorAfter(
                "opener failing",
                () -> WritableFile.open(made, WritableFile.Rule.NEW, d -> {
                    throw new IOException("injected");
                }));
        assertTrue(Files.notExists(made), "the file the failed open made is removed");
    }

    private static long descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}

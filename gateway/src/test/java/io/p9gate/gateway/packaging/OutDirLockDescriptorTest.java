package io.p9gate.gateway.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory descriptor {@link OutDirLock} opens is closed on every way out of a commit: taken and released, given
 * up after the longest wait, ended by a stop. A descriptor left open per commit would also keep its flock, so a
 * long-lived caller (a test JVM, a build daemon) would lock every later run out of --out.
 */
class OutDirLockDescriptorTest {
    private static final int COMMITS = 100;

    @TempDir
    Path dir;

    @Test
    void noDescriptorIsLeftByACommitTakenGivenUpOrStopped() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        long before = openDescriptors();
        for (int i = 0; i < COMMITS; i++) {
            try (PackageOutputs run = new PackageOutputs(out)) {
                run.add("p9gate.tar.gz", "run " + i);
                run.commit();
            }
        }
        int holder = DirectoryFlock.open(out);
        try {
            DirectoryFlock.flock(holder, DirectoryFlock.LOCK_EX);
            for (int i = 0; i < COMMITS; i++) {
                try (PackageOutputs run = new PackageOutputs(out, new OutDirLock.Waiting(Duration.ZERO, said -> {}))) {
                    run.add("p9gate.tar.gz", "refused " + i);
                    assertThrows(IOException.class, run::commit);
                }
                try (PackageOutputs run = new PackageOutputs(out)) {
                    run.add("p9gate.tar.gz", "stopped " + i);
                    run.stopped();
                    assertThrows(IOException.class, run::commit);
                }
            }
        } finally {
            DirectoryFlock.close(holder);
        }
        long after = openDescriptors();
        // A few for the JVM's own threads; a leak is one per commit, 300.
        assertTrue(after - before < 10, "descriptors before " + before + ", after " + after);
        assertEquals("run " + (COMMITS - 1), Files.readString(out.resolve("p9gate.tar.gz")));
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}

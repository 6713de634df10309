package io.p9gate.gateway.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A scratch directory on tmpfs (/dev/shm), for what tmpfs does differently from the test's own filesystem. */
public final class DevShm {
    private DevShm() {}

    /** A new directory in /dev/shm; skips the rest of the test where there is no writable one. */
    public static Path directory(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm");
        return Files.createTempDirectory(shm, prefix);
    }

    /** Removes {@code root} and everything beneath it. */
    public static void delete(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.audit.read.LogDirectory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A segment's second descriptor, the one its fdatasync goes through, must be of the file the writer writes. Opened
 * again by name, it was of whatever regular file a local user who can write the audit directory renamed there between
 * the two opens (and renamed away after, the segment back at its name): records were written to one file and another
 * was fsynced, so records reported durable were not.
 */
class SyncDescriptorTest {
    @TempDir
    Path dir;

    /** Real files; between the two opens of {@code target}, a decoy takes its name (once). */
    private static final class Swapping implements SegmentWriter.SegmentFiles {
        private final Path target;
        private final Path aside;
        private boolean swapped;

        Swapping(Path target, Path aside) {
            this.target = target;
            this.aside = aside;
        }

        @Override
        public RandomAccessFile open(Path file) throws IOException {
            return REAL.open(file);
        }

        @Override
        public void betweenOpens(Path file) throws IOException {
            if (file.equals(target) && !swapped) {
                swapped = true;
                Files.move(target, aside);
                Files.writeString(target, "decoy\n");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"continued segment", "spare"})
    void theSecondDescriptorIsOfTheFileWrittenNotOfWhatIsAtItsNameMeanwhile(String which) throws Exception {
        boolean continued = which.equals("continued segment");
        Path target = continued ? LogDirectory.segmentFile(dir, 0) : dir.resolve(SegmentWriter.SPARE);
        if (continued) {
            Files.createFile(target);
        }
        Path aside = dir.resolve("aside");
        Path decoy = dir.resolve("decoy");
        Swapping files = new Swapping(target, aside);
        try (SegmentWriter writer = new SegmentWriter(dir, 1 << 20, 0, continued ? target : null, 0, 0, files)) {
            assertEquals(true, files.swapped, "the seam ran between the opens of " + target.getFileName());
            Files.move(target, decoy); // the decoy away, the file written back at its name: nothing shows
            Files.move(aside, target);
            byte[] line = "{\"seq\":0}\n".getBytes(StandardCharsets.US_ASCII);
            writer.write(line, line.length - 1, 0);
            writer.force();

            assertEquals(0, descriptorsOf(decoy), "no descriptor of the decoy: none of its fsyncs");
            Path written = LogDirectory.segmentFile(dir, 0); // the spare became segment 0 at the first write
            assertEquals(2, descriptorsOf(written), "the file written and its fsync descriptor");
        }
    }

    /** How many of this process's descriptors are of {@code file} (its name now, as /proc/self/fd shows it). */
    private static long descriptorsOf(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(real);
                        } catch (IOException closed) {
                            return false;
                        }
                    })
                    .count();
        }
    }
}

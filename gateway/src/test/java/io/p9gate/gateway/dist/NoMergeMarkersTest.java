package io.p9gate.gateway.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.guest.RepoPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No file of the repository holds a merge-conflict marker: one merge once left them in docs and a shell script,
 * where no compiler notices. Markers are built from repeated characters so this file does not hold one.
 */
class NoMergeMarkersTest {
    private static final Pattern MARKER = Pattern.compile("^(<{7}|>{7}) ", Pattern.MULTILINE);
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules");

    @Test
    void noFileHoldsAConflictMarker() throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> files = textFiles(RepoPaths.root());
        assertTrue(files.size() > 50, "the repository's files were found: " + files.size());
        for (Path file : files) {
            String text = readText(file);
            if (text != null && MARKER.matcher(text).find()) {
                found.add(RepoPaths.root().relativize(file).toString());
            }
        }
        assertEquals(List.of(), found, "files with merge-conflict markers");
    }

    @Test
    void theMarkerPatternFindsAMarker() {
        String marker = "<".repeat(7) + " HEAD\nours\n" + "=".repeat(7) + "\ntheirs\n" + ">".repeat(7) + " branch\n";
        assertTrue(MARKER.matcher("text\n" + marker).find());
    }

    private static List<Path> textFiles(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return SKIPPED_DIRS.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }

    /** The file as UTF-8 text, or null for a binary file (or one larger than 4 MiB). */
    private static String readText(Path file) throws IOException {
        if (Files.size(file) > 4 << 20) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException binary) {
            return null;
        }
    }
}

package io.p9gate.policy.quota;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Measures a subtree's usage at start-up so quotas are right after a restart (R-POL-6): every entry below
 * the top counts one inode (the top itself does not: it exists before the guest writes anything), regular
 * files count their apparent size, and hard links are counted once. Symlinks are not followed.
 */
public final class UsageScanner {

    private UsageScanner() {}

    /** Usage below {@code top}; zero if it does not exist yet. */
    public static Usage scan(Path top) throws IOException {
        if (!Files.isDirectory(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return Usage.ZERO;
        long[] total = new long[2];
        Set<Object> seen = new HashSet<>();
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(top)) total[1]++;
                return FileVisitResult.CONTINUE;
            }

            @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                Object key = attrs.fileKey();
                if (key != null && !seen.add(key)) return FileVisitResult.CONTINUE;
                total[1]++;
                if (attrs.isRegularFile()) total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override public FileVisitResult visitFileFailed(Path file, IOException e) {
                throw new UncheckedIOException("cannot measure " + file, e);
            }
        });
        return new Usage(total[0], total[1]);
    }
}

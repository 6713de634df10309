package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The gateway's state files that have other names (st_nlink above 1), and where such names lie in a share: a hard
 * link is the same inode under another path, so comparing paths and directories never finds it. Files are told by
 * (st_dev, st_ino), the file key; links are never followed.
 */
final class HardLinks {
    /** Most files looked at inside one state directory (a key or audit directory holds a few hundred). */
    private static final int MAX_STATE_FILES = 100_000;

    private HardLinks() {}

    /** The number of names of {@code path} when it is a regular file. */
    static Optional<Integer> names(Path path) {
        try {
            return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                    ? Optional.of((Integer) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS))
                    : Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /**
     * The state's regular files with more than one name, by file key, with their count of names: the file itself, or
     * what a state directory holds at any depth.
     */
    static Map<Object, Integer> ofState(Path state) {
        Map<Object, Integer> out = new HashMap<>();
        if (!Files.isDirectory(state, LinkOption.NOFOLLOW_LINKS)) {
            linked(state).ifPresent(key -> out.put(key, names(state).orElse(0)));
            return out;
        }
        try (Stream<Path> files = Files.walk(state).limit(MAX_STATE_FILES)) {
            files.forEach(f -> linked(f).ifPresent(key -> out.put(key, names(f).orElse(0))));
        } catch (IOException | RuntimeException e) {
            // what could be read is looked for; an unreadable state directory is the directory checks' business
        }
        return out;
    }

    private static Optional<Object> linked(Path file) {
        if (names(file).orElse(1) <= 1) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The names inside {@code share} (at any depth, links not followed) of the files {@code keys} identify. */
    static List<Path> namesIn(Path share, Set<Object> keys) {
        List<Path> out = new ArrayList<>();
        if (keys.isEmpty()) {
            return out;
        }
        try {
            Files.walkFileTree(
                    share,
                    EnumSet.noneOf(java.nio.file.FileVisitOption.class),
                    Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && keys.contains(attrs.fileKey())) {
                                out.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // a share that cannot be walked holds no name the suite can name
        }
        return out;
    }
}

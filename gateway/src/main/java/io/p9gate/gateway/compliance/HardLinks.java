package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The gateway's state files that have other names (st_nlink above 1), and where such names lie in a share: a hard
 * link is the same inode under another path, so comparing paths and directories never finds it. Files are told by
 * (st_dev, st_ino), the file key; links are never followed.
 */
final class HardLinks {
    /** Entries between two progress lines of a share's walk. */
    static final long PROGRESS_EVERY = 100_000;

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
     * The state's regular files with more than one name, by file key, with their device (st_dev): the file itself,
     * or what a state directory holds at any depth.
     */
    static Map<Object, Long> ofState(Path state) {
        Map<Object, Long> out = new HashMap<>();
        if (!Files.isDirectory(state, LinkOption.NOFOLLOW_LINKS)) {
            linked(state).ifPresent(key -> out.put(key, device(state)));
            return out;
        }
        try (Stream<Path> files = Files.walk(state).limit(MAX_STATE_FILES)) {
            files.forEach(f -> linked(f).ifPresent(key -> out.put(key, device(f))));
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

    /**
     * What one bounded walk of a share found: the names of linked state files in it, and why the walk did not look
     * at the whole tree (null when it did). A walk that stopped early has not shown that no other name lies there.
     */
    record Search(Map<Path, Object> names, String incomplete) {}

    /**
     * The names inside {@code share} (at any depth) of the files {@code keys} identify, looking at most at
     * {@code budget} entries. Links are never followed and the walk stays on the share's file system: a hard link
     * lies on its file's, so another one ({@code devices} holds the state files') is left out, and a mount of a
     * state file's file system below the share, which could hold one, makes the search incomplete. Entries that
     * vanish while it walks are passed over; a directory it cannot read makes it incomplete. Every
     * {@link #PROGRESS_EVERY} entries one line goes to {@code progress}.
     */
    static Search namesIn(Path share, Set<Object> keys, Set<Long> devices, long budget, Consumer<String> progress) {
        Map<Path, Object> out = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            return new Search(out, null);
        }
        long[] looked = {0};
        String[] incomplete = {null};
        Long shareDevice = device(share);
        try {
            Files.walkFileTree(
                    share, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            Long dev = device(dir);
                            if (dev != null && !dev.equals(shareDevice)) {
                                if (devices.contains(dev) && incomplete[0] == null) {
                                    incomplete[0] =
                                            "the mount at " + dir + " shows the state's file system: not walked";
                                }
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return count(dir);
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && keys.contains(attrs.fileKey())) {
                                out.put(file, attrs.fileKey());
                            }
                            return count(file);
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return failed(file, e);
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                            return e == null ? FileVisitResult.CONTINUE : failed(dir, e);
                        }

                        private FileVisitResult failed(Path file, IOException e) {
                            if (!(e instanceof NoSuchFileException) && incomplete[0] == null) {
                                incomplete[0] = "cannot read " + file + " ("
                                        + e.getClass().getSimpleName() + ")";
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        private FileVisitResult count(Path entry) {
                            looked[0]++;
                            if (looked[0] % PROGRESS_EVERY == 0) {
                                progress.accept("looked at " + looked[0] + " entries of " + share
                                        + " for other names of the gateway's state (at most " + budget + ")");
                            }
                            if (looked[0] >= budget) {
                                incomplete[0] = "looked at " + looked[0] + " entries of " + share
                                        + ", the most --max-host-entries allows";
                                return FileVisitResult.TERMINATE;
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            incomplete[0] = "cannot walk " + share + " (" + e.getClass().getSimpleName() + ")";
        }
        return new Search(out, incomplete[0]);
    }

    /** st_dev of {@code path} itself, or null if it cannot be read. */
    static Long device(Path path) {
        try {
            return ((Number) Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }
}

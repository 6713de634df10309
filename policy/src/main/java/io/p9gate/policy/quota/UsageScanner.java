package io.p9gate.policy.quota;

import io.p9gate.policy.terms.SharePath;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Measures a scope's usage at start-up and on reload, so quotas are right after a restart (R-POL-6): every
 * entry below the top counts one inode (each name of a file with several hard links too, so that the inodes
 * limit bounds the scope's directories), regular files count their apparent size, the bytes of a file with
 * several hard links once. The top itself counts only when it is not a directory (the directory exists before
 * the guest writes anything; a file there is the guest's).
 *
 * <p>The tree is the guest's, so the scan reaches it as a guest does: every directory is opened relative to
 * its parent's descriptor without following a symlink, and every entry is examined the same way (Java's
 * {@link SecureDirectoryStream}: openat/fstatat), so a symlink placed or swapped in by a guest never leads
 * the scan outside the share.
 */
public final class UsageScanner {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** Linux's limit on a path given to a system call, terminating NUL included. */
    private static final int PATH_MAX = 4096;

    private UsageScanner() {}

    /**
     * What a scan finds: the usage, and the files that also have names outside the scanned tree, each with
     * the number of its names inside.
     */
    public record Measured(Usage usage, Map<InodeId, Integer> linkedOutside) {
        public static final Measured NOTHING = new Measured(Usage.ZERO, Map.of());
    }

    /** Usage below {@code top}; zero if it does not exist yet. */
    public static Usage scan(Path top) throws IOException {
        return measure(top).usage();
    }

    /** Usage below {@code top} (an administrator's path: its own symlinks are followed). */
    public static Measured measure(Path top) throws IOException {
        Tally tally = new Tally();
        if (!Files.isDirectory(top)) {
            if (Files.exists(top, NOFOLLOW))
                tally.count(Files.readAttributes(top, PosixFileAttributes.class, NOFOLLOW), top);
            return tally.result();
        }
        try (SecureDirectoryStream<Path> dir = open(top)) {
            tally.below(dir);
        }
        return tally.result();
    }

    /**
     * Usage of {@code subtree} of the share at {@code shareDir}, reached from the share's directory one name
     * at a time, never through a symlink (a guest's symlink there makes the scope's content unreachable, as
     * it is for the guest); and every file (not directory) found with fewer names inside than links: one of
     * its names lies outside, where a write through it grows a file this scope counts.
     */
    public static Measured measure(Path shareDir, SharePath subtree) throws IOException {
        List<String> names = subtree.segments();
        if (names.isEmpty()) return measure(shareDir);
        if (!Files.isDirectory(shareDir)) return Measured.NOTHING;
        try (OpenDirectories<SecureDirectoryStream<Path>> opened = new OpenDirectories<>()) {
            opened.push(open(shareDir));
            for (String name : names.subList(0, names.size() - 1)) {
                SecureDirectoryStream<Path> next = openDirectory(opened.peek(), Path.of(name));
                if (next == null) return Measured.NOTHING;
                opened.push(next);
            }
            Path last = Path.of(names.getLast());
            PosixFileAttributes top = attributes(opened.peek(), last);
            Tally tally = new Tally();
            if (top == null) return Measured.NOTHING;
            if (!top.isDirectory()) {
                tally.count(top, shareDir.resolve(String.join("/", names)));
                return tally.result();
            }
            SecureDirectoryStream<Path> dir = openDirectory(opened.peek(), last);
            if (dir == null) return Measured.NOTHING;
            opened.push(dir);
            tally.below(dir);
            return tally.result();
        }
    }

    private static SecureDirectoryStream<Path> open(Path dir) throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
        if (stream instanceof SecureDirectoryStream<Path> secure) return secure;
        stream.close();
        throw new IOException("cannot scan " + dir + " safely: no openat/fstatat on this platform");
    }

    /** The entry's attributes, not following a symlink; null if it is gone. */
    private static PosixFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            return dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW)
                    .readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The directory {@code name} in {@code dir}; null if it is gone, or is (now) not a directory or a symlink. */
    private static SecureDirectoryStream<Path> openDirectory(SecureDirectoryStream<Path> dir, Path name)
            throws IOException {
        PosixFileAttributes a = attributes(dir, name);
        if (a == null || !a.isDirectory()) return null;
        try {
            return dir.newDirectoryStream(name, NOFOLLOW);
        } catch (FileSystemException e) {
            PosixFileAttributes now = attributes(dir, name);
            if (now == null || !now.isDirectory()) return null; // replaced meanwhile (O_NOFOLLOW: ELOOP)
            throw e;
        }
    }

    /** The levels below its top a scan enters at most (the gateway itself climbs at most 4,096). */
    static final int MAX_LEVELS = 1024;
    /** The longest path below its top, in bytes, a scan enters (eight times PATH_MAX). */
    static final int MAX_PATH_BYTES = 32 * 1024;

    /**
     * What a scope that holds a tree deeper than a scan enters counts, bytes and inodes: more than any limit, so the
     * scope is full (fail closed) until a scan (a reload, a restart) finds it shallower. Its content is not known.
     */
    public static final Usage BEYOND_REACH = new Usage(Long.MAX_VALUE / 4, Long.MAX_VALUE / 4);

    /** A directory the scan is in: its stream (closed when done unless it is the caller's) and its path's length. */
    private static final class Level implements Closeable {
        final SecureDirectoryStream<Path> dir;
        final Iterator<Path> entries;
        final boolean owned;
        final long pathBytes;

        Level(SecureDirectoryStream<Path> dir, boolean owned, long pathBytes) {
            this.dir = dir;
            this.entries = dir.iterator();
            this.owned = owned;
            this.pathBytes = pathBytes;
        }

        @Override
        public void close() throws IOException {
            if (owned) dir.close();
        }
    }

    /** Counts entries; a file with several links once, remembering how many of its names it met. */
    private static final class Tally {
        private long bytes;
        private long inodes;
        private boolean beyondReach;
        private final Map<Object, Names> multiLinked = new HashMap<>();

        /**
         * How many links a file has and how many of its names the scan met; {@code id} null when its links
         * could not be read (see {@link #linksOf}).
         */
        private static final class Names {
            InodeId id;
            long links;
            int seen = 1;
        }

        /**
         * Everything below {@code top}, depth first, one open descriptor per level, as a loop (a tree as deep as a
         * guest makes it overflowed the thread's stack when each level was a call). Levels past {@link #MAX_LEVELS},
         * or whose path passes {@link #MAX_PATH_BYTES}, are not entered: if one holds anything, the scope counts as full
         * ({@link #BEYOND_REACH}): each open level holds its whole path (Java's directory streams), so a guest's
         * tree 2,500 levels of 255-byte names deep took more heap than the gateway has, and its start failed.
         */
        void below(SecureDirectoryStream<Path> top) throws IOException {
            try (OpenDirectories<Level> levels = new OpenDirectories<>()) {
                levels.push(new Level(top, false, 0));
                while (!levels.isEmpty()) {
                    Level level = levels.peek();
                    if (!level.entries.hasNext()) {
                        levels.pop().close();
                        continue;
                    }
                    Path entry = level.entries.next();
                    Path name = entry.getFileName();
                    PosixFileAttributes a = attributes(level.dir, name);
                    if (a == null) continue; // removed since it was listed
                    count(a, entry);
                    if (!a.isDirectory()) continue;
                    long pathBytes = level.pathBytes + 1 + name.toString().getBytes(StandardCharsets.UTF_8).length;
                    SecureDirectoryStream<Path> sub = openDirectory(level.dir, name);
                    if (sub == null) continue;
                    if (levels.size() >= MAX_LEVELS || pathBytes > MAX_PATH_BYTES) {
                        try (sub) {
                            beyondReach |= sub.iterator().hasNext(); // an empty directory there hides nothing
                        }
                        continue;
                    }
                    levels.push(new Level(sub, true, pathBytes));
                }
            }
        }

        void count(PosixFileAttributes a, Path path) throws IOException {
            if (!a.isDirectory() && !a.isSymbolicLink()) {
                Names names = multiLinked.get(a.fileKey());
                if (names != null) {
                    names.seen++;
                    inodes++; // every name is a directory entry: one inode each, the bytes once
                    return;
                }
                Names found = linksOf(a, path);
                if (found != null) multiLinked.put(a.fileKey(), found);
            }
            inodes++;
            if (a.isRegularFile()) bytes += a.size();
        }

        /**
         * Link count and identity of a file with several links, null for one link. Read by path (the secure
         * view has no link count) and kept only if it is the same file the secure view saw; beyond PATH_MAX
         * neither is known (no id): the file is then only recognised by its key when met again.
         */
        private static Names linksOf(PosixFileAttributes a, Path path) throws IOException {
            Map<String, Object> u;
            try {
                u = Files.readAttributes(path, "unix:nlink,dev,ino,fileKey", NOFOLLOW);
            } catch (NoSuchFileException gone) {
                return null;
            } catch (FileSystemException e) {
                // A guest may nest names beyond PATH_MAX (the gateway serves any depth), where the kernel refuses
                // the path (ENAMETOOLONG): failing here failed the whole scan, so the gateway could not start.
                // The link count is then unknown: its names met here count once, none is followed outside.
                if (!beyondPathMax(path)) throw e;
                return new Names();
            }
            long links = ((Number) u.get("nlink")).longValue();
            if (links <= 1 || !a.fileKey().equals(u.get("fileKey"))) return null;
            Names names = new Names();
            names.id = new InodeId(((Number) u.get("dev")).longValue(), ((Number) u.get("ino")).longValue());
            names.links = links;
            return names;
        }

        /** Whether the kernel refuses {@code path} for its length (its bytes are never fewer than its UTF-8). */
        private static boolean beyondPathMax(Path path) {
            return path.toString().getBytes(StandardCharsets.UTF_8).length >= PATH_MAX;
        }

        Measured result() {
            Map<InodeId, Integer> outside = new HashMap<>();
            multiLinked.values().forEach(n -> {
                if (n.id != null && n.seen < n.links) outside.put(n.id, n.seen);
            });
            return new Measured(beyondReach ? BEYOND_REACH : new Usage(bytes, inodes), Map.copyOf(outside));
        }
    }
}

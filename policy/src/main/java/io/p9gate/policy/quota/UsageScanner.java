package io.p9gate.policy.quota;

import io.p9gate.policy.terms.SharePath;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
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
import java.util.Optional;

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
 *
 * <p>What lies below the top is the guest's too: a directory there the scan cannot see into (deeper than it goes, or
 * closed to the gateway's user: a guest's {@code 0700} directory under a gateway run by an unprivileged user with
 * {@code permissions: enforce}) makes the scope count as full ({@link #BEYOND_REACH}, with the {@link ScanGap}), never
 * fails the scan: a failure stopped the gateway's start and refused every reload. The top itself missing a permission
 * is the operator's to fix, and fails the scan.
 */
public final class UsageScanner {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** Linux's limit on a path given to a system call, terminating NUL included. */
    private static final int PATH_MAX = 4096;

    private UsageScanner() {}

    /**
     * What a scan finds: the usage, the files that also have names outside the scanned tree, each with the number of
     * its names inside, and where it could not see (then the usage is {@link #BEYOND_REACH}).
     */
    public record Measured(Usage usage, Map<InodeId, Integer> linkedOutside, Optional<ScanGap> gap) {
        public static final Measured NOTHING = new Measured(Usage.ZERO, Map.of());

        /** A scan that saw everything. */
        public Measured(Usage usage, Map<InodeId, Integer> linkedOutside) {
            this(usage, linkedOutside, Optional.empty());
        }
    }

    /**
     * How the gateway's own names of entries it is making begin (gateway backend.Names): no guest sees, walks to or
     * removes such a name, so a scan counts none of them, nor what a leftover one holds. A stopped gateway leaves
     * them, and a made entry whose reserved name could not be unlinked keeps it as a second name: counted, each was
     * an inode the scope's guest could never free (one Tsymlink counted twice after a restart). Except an entry a
     * take-back moved aside ({@link #ASIDE_PREFIX}): it may hold another session's data, which the running count
     * keeps charged; not counted by a scan, that data left the quota at the next restart or reload.
     */
    public static final String MAKING_PREFIX = ".p9gate-making-";

    /** How the names of entries a take-back moved aside begin (gateway backend.Names): counted, as the guest's. */
    public static final String ASIDE_PREFIX = MAKING_PREFIX + "aside-";

    /** The text of EPERM in a {@link FileSystemException}: the JDK gives that errno no class of its own. */
    private static final String EPERM_REASON = "Operation not permitted";

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
            tally.below(dir, top);
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
            Path topPath = shareDir.resolve(String.join("/", names));
            if (!top.isDirectory()) {
                tally.count(top, topPath);
                return tally.result();
            }
            SecureDirectoryStream<Path> dir = openDirectory(opened.peek(), last);
            if (dir == null) return Measured.NOTHING;
            opened.push(dir);
            tally.below(dir, topPath);
            return tally.result();
        }
    }

    /** Why the gateway's user may not see into a directory, if that is what {@code e} says; empty otherwise. */
    private static Optional<ScanGap.Cause> refused(IOException e) {
        if (e instanceof AccessDeniedException) return Optional.of(ScanGap.Cause.PERMISSION_DENIED);
        if (e instanceof FileSystemException f && EPERM_REASON.equals(f.getReason()))
            return Optional.of(ScanGap.Cause.NOT_PERMITTED);
        return Optional.empty();
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

    /**
     * A directory the scan is in: its stream (closed when done unless it is the caller's, the scope's top), its path on
     * the host and that path's length below the top.
     */
    private static final class Level implements Closeable {
        final SecureDirectoryStream<Path> dir;
        final Iterator<Path> entries;
        final boolean owned;
        final Path path;
        final long pathBytes;

        Level(SecureDirectoryStream<Path> dir, boolean owned, Path path, long pathBytes) {
            this.dir = dir;
            this.entries = dir.iterator();
            this.owned = owned;
            this.path = path;
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
        /** The first place the scan could not see into; then the scope counts as full. */
        private ScanGap gap;

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
         * tree 2,500 levels of 255-byte names deep took more heap than the gateway has, and its start failed. A
         * directory below the top that the gateway's user may not open, list or look into makes the scope full too.
         */
        void below(SecureDirectoryStream<Path> top, Path topPath) throws IOException {
            try (OpenDirectories<Level> levels = new OpenDirectories<>()) {
                levels.push(new Level(top, false, topPath, 0));
                while (!levels.isEmpty()) {
                    Level level = levels.peek();
                    if (!hasNext(level)) {
                        levels.pop().close();
                        continue;
                    }
                    Path entry = level.entries.next();
                    String entryName = entry.getFileName().toString();
                    if (entryName.startsWith(MAKING_PREFIX) && !entryName.startsWith(ASIDE_PREFIX)) continue;
                    PosixFileAttributes a;
                    try {
                        a = attributes(level.dir, entry.getFileName());
                    } catch (IOException e) {
                        cannotSeeInto(level, e);
                        levels.pop().close(); // looked into no further
                        continue;
                    }
                    if (a == null) continue; // removed since it was listed
                    count(a, entry);
                    if (!a.isDirectory()) continue;
                    Path name = entry.getFileName();
                    long pathBytes = level.pathBytes + 1 + name.toString().getBytes(StandardCharsets.UTF_8).length;
                    SecureDirectoryStream<Path> sub;
                    try {
                        sub = openDirectory(level.dir, name);
                    } catch (IOException e) {
                        cannotSeeInto(entry, e);
                        continue;
                    }
                    if (sub == null) continue;
                    if (levels.size() >= MAX_LEVELS || pathBytes > MAX_PATH_BYTES) {
                        try (sub) {
                            // an empty directory there hides nothing
                            if (sub.iterator().hasNext()) gapAt(entry, ScanGap.Cause.TOO_DEEP);
                        }
                        continue;
                    }
                    levels.push(new Level(sub, true, entry, pathBytes));
                }
            }
        }

        /** Whether {@code level} lists one more entry; false once it cannot be listed further (see below). */
        private boolean hasNext(Level level) throws IOException {
            try {
                return level.entries.hasNext();
            } catch (DirectoryIteratorException e) {
                cannotSeeInto(level, e.getCause());
                return false;
            }
        }

        /**
         * {@code level} could not be listed or looked into: below the top the scope counts as full (the guest closed
         * it); the top itself, or any other failure, fails the scan.
         */
        private void cannotSeeInto(Level level, IOException e) throws IOException {
            if (!level.owned) throw e;
            cannotSeeInto(level.path, e);
        }

        /** The directory at {@code where}, below the top, could not be opened: the scope counts as full, if refused. */
        private void cannotSeeInto(Path where, IOException e) throws IOException {
            gapAt(where, refused(e).orElseThrow(() -> e));
        }

        private void gapAt(Path where, ScanGap.Cause cause) {
            if (gap == null) gap = new ScanGap(where, cause);
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
            if (a.isDirectory()) bytes += Usage.directoryBytes(a.size());
        }

        /**
         * Link count and identity of a file with several links, null for one link. Read by path (the secure
         * view has no link count) and kept only if it is the same file the secure view saw; beyond PATH_MAX
         * neither is known (no id): the file is then only recognised by its key when met again.
         */
        private Names linksOf(PosixFileAttributes a, Path path) throws IOException {
            Map<String, Object> u;
            try {
                u = Files.readAttributes(path, "unix:nlink,dev,ino,fileKey", NOFOLLOW);
            } catch (NoSuchFileException gone) {
                return null;
            } catch (FileSystemException e) {
                if (refused(e).isPresent()) { // a directory above it closed since the scan came through: full
                    cannotSeeInto(path.getParent(), e);
                    return null;
                }
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
            return gap == null
                    ? new Measured(new Usage(bytes, inodes), Map.copyOf(outside))
                    : new Measured(BEYOND_REACH, Map.copyOf(outside), Optional.of(gap));
        }
    }
}

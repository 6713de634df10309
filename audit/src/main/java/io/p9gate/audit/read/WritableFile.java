package io.p9gate.audit.read;

import static io.p9gate.audit.read.FileCalls.EEXIST;
import static io.p9gate.audit.read.FileCalls.ENOENT;
import static io.p9gate.audit.read.FileCalls.O_CLOEXEC;
import static io.p9gate.audit.read.FileCalls.O_CREAT;
import static io.p9gate.audit.read.FileCalls.O_EXCL;
import static io.p9gate.audit.read.FileCalls.O_NONBLOCK;
import static io.p9gate.audit.read.FileCalls.O_PATH;
import static io.p9gate.audit.read.FileCalls.O_WRONLY;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A file of an audit directory that the writer opens (its lock, a segment, the spare, the sidecar): checked on a
 * descriptor before anything opens it for writing, as {@link StoredFile} checks what a reader reads.
 *
 * <p>A local user who can write the directory can put anything at a name between two looks at it: a FIFO there held
 * the gateway's start in open(2) for ever, a device would have been opened (its driver's open runs) and written, and
 * a link made the writer create, cut or append to a file outside the directory. So the name is opened {@code O_PATH}
 * (which opens nothing) and, but for {@link Rule#LINKED}, {@code O_NOFOLLOW}, or created {@code O_EXCL|O_NOFOLLOW}
 * (a new regular file, never through a link); the descriptor must be a regular file of a real file system (but for
 * {@link Rule#LINKED}, with one name: O_NOFOLLOW does not see a hard link, and one to a file outside the directory,
 * which fs.protected_hardlinks=0 lets anyone make, had the writer cut or append to that file), and the
 * caller's own open goes through it ({@code /proc/self/fd/N}), so it opens that same file. Costs one descriptor
 * more for the moment of the open.
 */
public final class WritableFile {
    /** What Java's own opens create with, umask applied. */
    private static final int NEW_FILE_MODE = 0666;

    /** What the name may hold. */
    public enum Rule {
        /** A regular file of the directory itself (not a link), or nothing: then a new one is made. */
        OWN_OR_NEW(false, true, true),
        /** Nothing: a new regular file is made ({@code O_CREAT|O_EXCL}). */
        NEW(false, false, true),
        /** A regular file of the directory itself, not a link. */
        OWN(false, true, false),
        /** A regular file or a link to one, as a reader takes it: for a file only read or fsynced. */
        LINKED(true, true, false);

        final boolean followLinks;
        final boolean existing;
        final boolean create;

        Rule(boolean followLinks, boolean existing, boolean create) {
            this.followLinks = followLinks;
            this.existing = existing;
            this.create = create;
        }
    }

    /** Opens the checked file through {@code descriptor} ({@code /proc/self/fd/N}) with Java's own API. */
    @FunctionalInterface
    public interface Opener<T> {
        T open(Path descriptor) throws IOException;
    }

    private WritableFile() {}

    /**
     * Opens {@code file} with {@code opener} once the name holds what {@code rule} allows.
     *
     * @throws IOException naming it when it is no regular file (a FIFO, socket, device or directory; a link, unless
     *     {@link Rule#LINKED}), a file of a pseudo file system, or cannot be checked to be neither
     * @throws NoSuchFileException there is no such file and the rule makes none
     * @throws FileAlreadyExistsException the rule makes a new file and the name holds one
     */
    public static <T> T open(Path file, Rule rule, Opener<T> opener) throws IOException {
        return switch (FileCalls.LIBC) {
            case FileCalls.Linked calls -> open(file, rule, opener, calls);
            case FileCalls.Unlinked unlinked -> throw StoredFile.uncheckable(file, unlinked.reason());
        };
    }

    private static <T> T open(Path file, Rule rule, Opener<T> opener, FileCalls.Linked calls) throws IOException {
        int fd = rule.existing ? existing(file, rule, calls) : -1;
        boolean made = fd < 0;
        if (made) {
            fd = created(file, calls);
        }
        try {
            FileCalls.Stat stat = StoredFile.requireRegular(file, calls, fd);
            if (!made && !rule.followLinks && stat.links() != 1) {
                throw new IOException(file.getFileName() + " has " + stat.links()
                        + " hard links: the writer writes only a file of the directory itself, named once");
            }
            Path descriptor = Path.of("/proc/self/fd/" + fd);
            try {
                return opener.open(descriptor);
            } catch (FileSystemException e) {
                throw descriptor.toString().equals(e.getFile()) ? named(file, e) : e;
            }
        } catch (FileCalls.Failed f) {
            forget(made, file);
            throw StoredFile.uncheckable(file, f.getMessage());
        } catch (NoSuchFileException e) {
            forget(made, file);
            throw StoredFile.uncheckable(file, "/proc/self/fd cannot open it (is /proc mounted?)");
        } catch (IOException | RuntimeException e) {
            forget(made, file);
            throw e;
        } finally {
            calls.close(fd);
        }
    }

    /**
     * {@code e} said of {@code file}: the open went through the descriptor's path, which names no file an operator
     * knows (an audit directory on a read-only mount said "/proc/self/fd/47: Read-only file system").
     */
    private static FileSystemException named(Path file, FileSystemException e) {
        // Of the same kind: an AccessDeniedException has no reason, its kind says it (CliMessages).
        FileSystemException named = e instanceof AccessDeniedException
                ? new AccessDeniedException(file.toString(), e.getOtherFile(), e.getReason())
                : new FileSystemException(file.toString(), e.getOtherFile(), e.getReason());
        named.initCause(e);
        return named;
    }

    /** No file half made: the next try (a spare's re-arm) makes it anew rather than finding it there. */
    private static void forget(boolean made, Path file) throws IOException {
        if (made) {
            Files.deleteIfExists(file);
        }
    }

    /** An O_PATH descriptor of what the name holds, or -1 when it holds nothing and the rule makes a file. */
    private static int existing(Path file, Rule rule, FileCalls.Linked calls) throws IOException {
        int flags = O_PATH | O_CLOEXEC | (rule.followLinks ? 0 : calls.noFollow());
        try {
            return calls.open(file.toAbsolutePath().toString(), flags);
        } catch (FileCalls.Failed f) {
            if (f.errno == ENOENT && rule.create && !Files.isSymbolicLink(file)) {
                return -1;
            }
            throw StoredFile.unopenable(file, f);
        }
    }

    /** A new regular file at the name: O_EXCL makes one or fails, whatever the name holds (a link too). */
    private static int created(Path file, FileCalls.Linked calls) throws IOException {
        int flags = O_WRONLY | O_CREAT | O_EXCL | calls.noFollow() | O_NONBLOCK | O_CLOEXEC;
        try {
            return calls.open(file.toAbsolutePath().toString(), flags, NEW_FILE_MODE);
        } catch (FileCalls.Failed f) {
            if (f.errno == EEXIST) {
                throw Files.isSymbolicLink(file)
                        ? StoredFile.notRegular(file, "a link to " + Files.readSymbolicLink(file))
                        : new FileAlreadyExistsException(file.toString(), null, "the writer makes a new file here");
            }
            throw StoredFile.unopenable(file, f);
        }
    }
}

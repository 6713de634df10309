package io.p9gate.audit.read;

import static io.p9gate.audit.read.FileCalls.EACCES;
import static io.p9gate.audit.read.FileCalls.ELOOP;
import static io.p9gate.audit.read.FileCalls.ENOENT;
import static io.p9gate.audit.read.FileCalls.ENOTDIR;
import static io.p9gate.audit.read.FileCalls.ENXIO;
import static io.p9gate.audit.read.FileCalls.EPERM;
import static io.p9gate.audit.read.FileCalls.O_CLOEXEC;
import static io.p9gate.audit.read.FileCalls.O_NONBLOCK;
import static io.p9gate.audit.read.FileCalls.O_PATH;
import static io.p9gate.audit.read.FileCalls.O_RDONLY;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file of an audit directory (a segment, the sidecar, a pending segment), opened for reading only once it is known
 * to be a regular file of a real file system; what was checked is what is read: one descriptor.
 *
 * <p>Checked on the descriptor, not on the name: a FIFO renamed over a segment after a look at its name held the
 * reader in open(2) for ever; and a pseudo file system is known by the opened file's {@code fstatfs} magic, not by the
 * mount table, which has no entry for a proc of another mount namespace (reached through {@code /proc/PID/root}: the
 * check let it through, fail open). A check that cannot be made refuses the file. The name is first opened
 * {@code O_PATH} (following links: an archived segment may be a link to its archive), which opens nothing: a device
 * put there, or a file of /sys or debugfs, is never opened, so no driver acts on it; the file is opened for reading
 * through that descriptor ({@code /proc/self/fd/N}, {@code O_NONBLOCK}) only once it is a regular file of a real file
 * system, and must be that same file.
 */
public final class StoredFile implements Closeable {

    /** {@link #dataFrom}: the rest of the file from the position asked about is a hole, no data follows. */
    static final long NO_DATA = -1;

    /** {@link #dataFrom}: nothing known (the file system cannot tell): the caller reads on. */
    static final long DATA_UNKNOWN = -2;

    /** Bytes copied from native memory per pread(2). */
    private static final int CHUNK = 1 << 16;

    private final Path file;
    private final FileCalls.Linked calls;
    private final int fd;
    private final long size;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(CHUNK);
    private final AtomicBoolean closed = new AtomicBoolean();

    private StoredFile(Path file, FileCalls.Linked calls, int fd, long size) {
        this.file = file;
        this.calls = calls;
        this.fd = fd;
        this.size = size;
    }

    /**
     * Opens {@code file} for reading.
     *
     * @throws IOException naming it when it is no regular file (a directory, FIFO, socket or device, a link to none),
     *     a file of a pseudo file system ({@link PseudoFileSystem}), or cannot be checked to be neither
     * @throws NoSuchFileException there is no such file
     * @throws AccessDeniedException the reader may not read it
     */
    public static StoredFile open(Path file) throws IOException {
        return open(file, FileCalls.LIBC);
    }

    static StoredFile open(Path file, FileCalls calls) throws IOException {
        return switch (calls) {
            case FileCalls.Linked linked -> open(file, linked);
            case FileCalls.Unlinked unlinked -> throw uncheckable(file, unlinked.reason());
        };
    }

    private static StoredFile open(Path file, FileCalls.Linked calls) throws IOException {
        int path;
        try {
            path = calls.open(file.toAbsolutePath().toString(), O_PATH | O_CLOEXEC);
        } catch (FileCalls.Failed f) {
            throw unopenable(file, f);
        }
        try {
            FileCalls.Stat named = requireRegular(file, calls, path);
            int fd = reopen(file, calls, path);
            try {
                FileCalls.Stat opened = calls.stat(fd);
                if (!opened.regular() || !opened.sameFile(named)) {
                    throw uncheckable(file, "/proc/self/fd/" + path + " opened another file");
                }
                return new StoredFile(file, calls, fd, opened.size());
            } catch (IOException | RuntimeException e) {
                calls.close(fd);
                throw e;
            }
        } catch (FileCalls.Failed f) {
            throw uncheckable(file, f.getMessage());
        } finally {
            calls.close(path);
        }
    }

    /**
     * What {@code fd} (an O_PATH descriptor, or one of a file just made) is, once it is a regular file of a real file
     * system; asked of the descriptor (fstatfs takes one): a pseudo file's open runs its driver's, as a device's would.
     */
    static FileCalls.Stat requireRegular(Path file, FileCalls.Linked calls, int fd) throws IOException {
        FileCalls.Stat named = calls.stat(fd);
        if (!named.regular()) {
            throw notRegular(
                    file,
                    Files.isSymbolicLink(file)
                            ? "a link to " + Files.readSymbolicLink(file)
                            : named.directory() ? "a directory" : "a FIFO, socket or device");
        }
        PseudoFileSystem pseudo = PseudoFileSystem.of(calls.fileSystemType(fd)).orElse(null);
        if (pseudo != null) {
            throw notRegular(file, linkedTo(file) + "on the " + pseudo.type + " file system, made up by the kernel");
        }
        return named;
    }

    /** The file {@code path} (an O_PATH descriptor of a regular file) holds, opened for reading. */
    private static int reopen(Path file, FileCalls.Linked calls, int path) throws IOException {
        try {
            return calls.open("/proc/self/fd/" + path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        } catch (FileCalls.Failed f) {
            throw switch (f.errno) {
                case EACCES, EPERM -> new AccessDeniedException(file.toString());
                default -> uncheckable(file, "/proc/self/fd cannot open it, errno " + f.errno + " (is /proc mounted?)");
            };
        }
    }

    /** The size the file had once opened ({@code fstat} of this descriptor). */
    public long size() {
        return size;
    }

    /**
     * The file's bytes from {@code offset} on, at most {@code limit} of them, read through this descriptor (pread:
     * the position is the stream's own); closing the stream closes the file.
     */
    public InputStream from(long offset, long limit) {
        return new Input(offset, limit);
    }

    /**
     * Reads into {@code dst} (a heap buffer) at {@code position} of the file, up to the size it had once opened; the
     * bytes read, -1 at or past that size: what {@link java.nio.channels.FileChannel#read(ByteBuffer, long)} does.
     */
    public int read(ByteBuffer dst, long position) throws IOException {
        int n = new Input(position, size - position)
                .read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /** The file's bytes from {@code offset} up to the size it had once opened: bytes appended since are not read. */
    public InputStream within(long offset) {
        return from(offset, size - offset);
    }

    /**
     * Where this file's next stored data begins at or after {@code position}, as {@code lseek(SEEK_DATA)} on its
     * descriptor tells: a hole reads as zeros, so a reader may skip it as such ({@link SegmentReader}); {@link
     * #NO_DATA} or {@link #DATA_UNKNOWN}. Asked of the file read: its name may hold another file by now.
     */
    long dataFrom(long position) {
        try {
            return calls.seekData(fd, position);
        } catch (FileCalls.Failed f) {
            return f.errno == ENXIO ? NO_DATA : DATA_UNKNOWN;
        } catch (IOException e) {
            return DATA_UNKNOWN; // the call could not be made: read on, zero by zero
        }
    }

    /**
     * The bytes of hole (never stored, read as zeros) at {@code position} before the file's next data, as {@link
     * #dataFrom} tells: -1 when the hole runs to the end of the file (the writer's "not written yet"), 0 when data is
     * there or the file system cannot tell. For a copier that must not turn a hole of terabytes into zeros on disk.
     */
    public long holeAt(long position) {
        long data = dataFrom(position);
        if (data == NO_DATA) {
            return -1;
        }
        return data == DATA_UNKNOWN ? 0 : Math.max(0, data - position);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            calls.close(fd);
            arena.close();
        }
    }

    /** Reads through the descriptor from its own position; single-threaded, as a stream is. */
    private final class Input extends InputStream {
        private long position;
        private long left;

        Input(long position, long left) {
            this.position = position;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (left <= 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int count = (int) Math.min(Math.min(len, CHUNK), left);
            long n;
            try {
                n = calls.pread(fd, buffer, count, position);
            } catch (FileCalls.Failed f) {
                throw new FileSystemException(file.toString(), null, "cannot be read, errno " + f.errno);
            }
            if (n == 0) {
                left = 0; // the file shrank: its end is here
                return -1;
            }
            MemorySegment.copy(buffer, JAVA_BYTE, 0, b, off, (int) n);
            position += n;
            left -= n;
            return (int) n;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, left));
            position += skipped;
            left -= skipped;
            return skipped;
        }

        @Override
        public void close() {
            StoredFile.this.close();
        }
    }

    static IOException unopenable(Path file, FileCalls.Failed f) throws IOException {
        return switch (f.errno) {
            case ENOENT, ELOOP ->
                Files.isSymbolicLink(file)
                        ? notRegular(file, linkedTo(file).replaceFirst(", $", ""))
                        : new NoSuchFileException(file.toString());
            case EACCES, EPERM -> new AccessDeniedException(file.toString());
            case ENOTDIR -> new FileSystemException(file.toString(), null, "not a directory");
            default -> new FileSystemException(file.toString(), null, "cannot be opened, errno " + f.errno);
        };
    }

    /** Named by its path, as every other file of a log that cannot be read (not by its bare name: which log?). */
    static IOException notRegular(Path file, String what) {
        return new IOException(file + " is not a regular file (" + what + "): no file the gateway wrote");
    }

    static IOException uncheckable(Path file, String why) {
        return new IOException(
                file + ": cannot be checked to be a regular file of a real file system (" + why + "): not read");
    }

    private static String linkedTo(Path file) throws IOException {
        return Files.isSymbolicLink(file) ? "a link to " + Files.readSymbolicLink(file) + ", " : "";
    }
}

package io.p9gate.audit.read;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Where a segment's next stored data begins, as {@code lseek(SEEK_DATA)} tells (FFM): a hole in a sparse file reads
 * as zeros, and a reader that read a hole of terabytes zero by zero (a doctored segment made with {@code truncate
 * -s 16T}) kept {@code verify}, {@code show} and the gateway's start busy for hours. A hole is zeros, so it may be
 * skipped as such; a hole to the end is zeros to the end, which readers stop at.
 */
@SuppressWarnings("restricted") // lseek(SEEK_DATA) has no Java API; the launchers enable native access.
final class DataAhead {
    /** The rest of the file from the position asked about is a hole: no data follows. */
    static final long NONE = -1;

    /** Nothing known (no FFM, the file not openable): the caller reads on. */
    static final long UNKNOWN = -2;

    /** O_RDONLY | O_NONBLOCK | O_CLOEXEC (the same on x86_64 and aarch64); a segment may be a link to its archive. */
    private static final int OPEN_FLAGS = 0x800 | 0x80000;

    private static final int SEEK_DATA = 3;
    private static final int ENXIO = 6;

    private static final Calls CALLS = Calls.link();

    private DataAhead() {}

    /** The first offset at or after {@code from} that holds data; {@link #NONE} or {@link #UNKNOWN}. */
    static long from(Path file, long from) {
        return CALLS == null ? UNKNOWN : CALLS.seekData(file, from);
    }

    /** The three system calls, or null where native access is not granted. */
    private record Calls(MethodHandle open, MethodHandle lseek, MethodHandle close, long errnoOffset) {
        static Calls link() {
            try {
                Linker linker = Linker.nativeLinker();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                return new Calls(
                        linker.downcallHandle(
                                linker.defaultLookup().findOrThrow("open"),
                                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                                Linker.Option.firstVariadicArg(2)),
                        linker.downcallHandle(
                                linker.defaultLookup().findOrThrow("lseek"),
                                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT),
                                errno),
                        linker.downcallHandle(
                                linker.defaultLookup().findOrThrow("close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT)),
                        Linker.Option.captureStateLayout().byteOffset(MemoryLayout.PathElement.groupElement("errno")));
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }

        long seekData(Path file, long from) {
            try (Arena arena = Arena.ofConfined()) {
                int fd = (int) open.invokeExact(
                        arena.allocateFrom(file.toAbsolutePath().toString()), OPEN_FLAGS, 0);
                if (fd < 0) {
                    return UNKNOWN;
                }
                try {
                    MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
                    long data = (long) lseek.invokeExact(state, fd, from, SEEK_DATA);
                    if (data >= 0) {
                        return data;
                    }
                    return state.get(JAVA_INT, errnoOffset) == ENXIO ? NONE : UNKNOWN;
                } finally {
                    int ignored = (int) close.invokeExact(fd);
                }
            } catch (Throwable e) {
                return UNKNOWN; // native access refused at the call: read on, as without this
            }
        }
    }
}

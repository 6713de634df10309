package io.p9gate.gateway.packaging;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * open(2), flock(2) and close(2) of a directory, for {@link OutDirLock}: the JDK locks only with fcntl, which needs a
 * descriptor open for writing, and a directory cannot be one. Its own downcalls, as the other tools outside the
 * guarded file layer have: only that layer reaches the backend's system calls (GatewayArchitectureTest).
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launcher enables native access.
final class DirectoryFlock {
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    /** The same on x86_64 and aarch64 (asm-generic); O_DIRECTORY is not, and a directory opens without it. */
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FLOCK = bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private DirectoryFlock() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(
                linker.defaultLookup().findOrThrow(name), descriptor, Linker.Option.captureCallState("errno"));
    }

    /** A read-only descriptor of {@code dir}, close-on-exec. */
    static int open(Path dir) throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(dir.toString()), O_RDONLY_CLOEXEC);
            return checked(fd, state, "open " + dir);
        } catch (P9Exception | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new P9Exception(Errno.EIO, "open " + dir + ": native call failed", t);
        }
    }

    static void flock(int fd, int operation) throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            checked((int) FLOCK.invokeExact(state, fd, operation), state, "flock");
        } catch (P9Exception | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new P9Exception(Errno.EIO, "flock: native call failed", t);
        }
    }

    /** close(2), its failure ignored: the descriptor is gone either way on Linux. */
    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            // Nothing to do: the lock goes with the process at the latest.
        }
    }

    private static int checked(int rc, MemorySegment state, String what) throws P9Exception {
        if (rc < 0) {
            throw new P9Exception(Errno.of((int) ERRNO.get(state, 0L)), what);
        }
        return rc;
    }
}

package io.p9gate.audit.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * An output stream on a file descriptor through {@code write(2)} (FFM), whose failures carry the errno
 * ({@link WriteErrno}): {@code FileOutputStream}'s carry only the locale's words for it.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launchers enable native access.
final class DescriptorOutput extends OutputStream {
    private static final int EINTR = 4;
    /** Bytes copied to native memory per write(2). */
    private static final int CHUNK = 1 << 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final long ERRNO_OFFSET =
            Linker.Option.captureStateLayout().byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle WRITE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("write").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            ERRNO);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private final int fd;
    private final MemorySegment buffer = Arena.ofAuto().allocate(CHUNK);
    private final MemorySegment state = Arena.ofAuto().allocate(Linker.Option.captureStateLayout());

    /**
     * @throws LinkageError (at the class's initialisation) or IllegalCallerException when native calls are not
     *     allowed ({@code --illegal-native-access=deny} without {@code --enable-native-access})
     */
    DescriptorOutput(int fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            int n = Math.min(len, CHUNK);
            MemorySegment.copy(b, off, buffer, JAVA_BYTE, 0, n);
            int done = 0;
            while (done < n) {
                long written = write(buffer.asSlice(done), n - done);
                if (written < 0) {
                    int errno = state.get(JAVA_INT, ERRNO_OFFSET);
                    if (errno != EINTR) {
                        throw new WriteErrno(errno, strerror(errno));
                    }
                } else {
                    done += (int) written;
                }
            }
            off += n;
            len -= n;
        }
    }

    private long write(MemorySegment from, long count) {
        try {
            return (long) WRITE.invokeExact(state, fd, from, count);
        } catch (Throwable t) {
            throw new IllegalStateException("write(2) could not be called", t);
        }
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}

package io.p9gate.gateway.systemd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.p9gate.gateway.proto.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Sends one datagram to a Unix-domain datagram socket: the transport of systemd's notification protocol.
 * The JDK has Unix-domain stream channels only, so this is socket/sendto/close through FFM (no libsystemd,
 * no JNI). A name starting with {@code @} is in the abstract namespace (its first byte becomes NUL), as
 * systemd writes {@code $NOTIFY_SOCKET}.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launcher enables native access.
final class UnixDatagram {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** {@code sizeof(struct sockaddr_un)}: a 2-byte family and 108 bytes of path. */
    private static final int SUN_PATH_MAX = 108;

    private static final int SOCKADDR_UN_SIZE = 2 + SUN_PATH_MAX;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET =
            bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO =
            bind("sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private UnixDatagram() {}

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(), descriptor, Linker.Option.captureCallState("errno"));
    }

    /** The socket address bytes for {@code name}, or an exception naming what is wrong with it. */
    static byte[] pathBytes(String name) throws IOException {
        if (name.isEmpty() || !(name.startsWith("/") || name.startsWith("@"))) {
            throw new IOException("not a Unix socket address (absolute path or @abstract): '" + name + "'");
        }
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        if (name.startsWith("@")) {
            path[0] = 0;
        }
        // A path name needs room for its terminating NUL; an abstract name is counted exactly.
        if (path.length + (path[0] == 0 ? 0 : 1) > SUN_PATH_MAX) {
            throw new IOException("Unix socket address longer than " + SUN_PATH_MAX + " bytes: '" + name + "'");
        }
        return path;
    }

    /** Sends {@code message} as one datagram to the socket named {@code name}. */
    static void send(String name, byte[] message) throws IOException {
        byte[] path = pathBytes(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw failure("socket", state);
            }
            try {
                MemorySegment address = arena.allocate(SOCKADDR_UN_SIZE);
                address.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(path, 0, address, JAVA_BYTE, 2, path.length);
                int length = 2 + path.length + (path[0] == 0 ? 0 : 1);
                MemorySegment buffer = arena.allocateFrom(JAVA_BYTE, message);
                long sent = (long)
                        SENDTO.invokeExact(state, fd, buffer, (long) message.length, MSG_NOSIGNAL, address, length);
                if (sent < 0) {
                    throw failure("sendto " + name, state);
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("native call failed: " + t, t);
        }
    }

    private static IOException failure(String what, MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        Errno known = Errno.of(errno);
        return new IOException(what + ": " + (known.code() == errno ? known.description() : "errno " + errno));
    }
}

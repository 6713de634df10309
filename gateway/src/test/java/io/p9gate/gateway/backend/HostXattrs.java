package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Optional;

/** Tests' view of a host file's extended attributes in every namespace, bypassing the gateway. */
public final class HostXattrs {
    private HostXattrs() {}

    /** The value, or empty if the file has no such attribute. */
    public static Optional<byte[]> get(Path file, String name) throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Xattrs.MAX_VALUE);
            long n = LinuxSyscalls.getxattr(file.toString(), name, buf);
            return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENODATA) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public static void set(Path file, String name, byte[] value) throws P9Exception {
        try (Arena arena = Arena.ofConfined()) {
            LinuxSyscalls.setxattr(file.toString(), name, arena.allocateFrom(ValueLayout.JAVA_BYTE, value), 0);
        }
    }
}

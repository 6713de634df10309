package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Extended attributes of an inode through its /proc/self/fd magic link (Linux has no xattr call
 * on O_PATH descriptors). Only regular files and directories: on a symlink the link path would
 * be the only way, and special files are never touched beyond their own inode.
 */
public final class Xattrs {
    public static final int XATTR_CREATE = LinuxSyscalls.XATTR_CREATE;
    public static final int XATTR_REPLACE = LinuxSyscalls.XATTR_REPLACE;
    /** XATTR_SIZE_MAX. */
    public static final int MAX_VALUE = 64 * 1024;

    private Xattrs() {}

    public static byte[] get(Node node, String name) throws P9Exception {
        requireSupported(node);
        checkName(name);
        return node.use(fd -> sized(buf -> LinuxSyscalls.getxattr(LinuxSyscalls.procPath(fd), name, buf)));
    }

    /**
     * As {@link #get}, read as the gateway's own user: for an attribute of the gateway's ({@code user.p9gate.*}) that
     * decides what a request does whether or not the request's host user (permissions: enforce) may read the file.
     */
    public static byte[] getAsGateway(Node node, String name) throws P9Exception {
        return HostCredentials.asGateway(() -> get(node, name));
    }

    /** The value of {@code name}, or empty when the file has no such attribute or its file system none at all. */
    public static Optional<byte[]> find(Node node, String name) throws P9Exception {
        try {
            return Optional.of(get(node, name));
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The NUL-separated list of names, as listxattr(2) returns it. */
    public static byte[] list(Node node) throws P9Exception {
        requireSupported(node);
        return node.use(fd -> sized(buf -> LinuxSyscalls.listxattr(LinuxSyscalls.procPath(fd), buf)));
    }

    /**
     * The bytes the file's {@code user.} attributes take, names and values, leaving out {@code except} (the one a
     * set would replace): what a guest stored on the inode besides its data.
     */
    public static long userBytes(Node node, String except) throws P9Exception {
        long total = 0;
        for (String name : new String(list(node), StandardCharsets.UTF_8).split("\0")) {
            if (name.startsWith("user.") && !name.equals(except)) {
                total += name.getBytes(StandardCharsets.UTF_8).length + valueSize(node, name);
            }
        }
        return total;
    }

    /** The bytes the {@code user.} attribute {@code name} takes now, name and value; 0 when it has none or an empty one. */
    public static long userBytesOf(Node node, String name) throws P9Exception {
        long value = valueSize(node, name);
        return value == 0 ? 0 : name.getBytes(StandardCharsets.UTF_8).length + value;
    }

    /** A value's size, 0 once it is gone (removed since the list was read). */
    private static long valueSize(Node node, String name) throws P9Exception {
        try {
            return node.use(fd -> LinuxSyscalls.getxattr(LinuxSyscalls.procPath(fd), name, MemorySegment.NULL));
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENODATA) {
                return 0;
            }
            throw e;
        }
    }

    public static void set(Node node, String name, byte[] value, int flags) throws P9Exception {
        requireSupported(node);
        checkName(name);
        node.use(fd -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v = value.length == 0
                        ? arena.allocate(1).asSlice(0, 0)
                        : arena.allocateFrom(ValueLayout.JAVA_BYTE, value);
                LinuxSyscalls.setxattr(LinuxSyscalls.procPath(fd), name, v, flags & (XATTR_CREATE | XATTR_REPLACE));
                return null;
            }
        });
    }

    /** As {@link #set}, written as the gateway's own user: see {@link #getAsGateway}. */
    public static void setAsGateway(Node node, String name, byte[] value, int flags) throws P9Exception {
        HostCredentials.asGateway(() -> {
            set(node, name, value, flags);
            return null;
        });
    }

    /** As {@link #remove}, as the gateway's own user: see {@link #getAsGateway}. */
    public static void removeAsGateway(Node node, String name) throws P9Exception {
        HostCredentials.asGateway(() -> {
            remove(node, name);
            return null;
        });
    }

    public static void remove(Node node, String name) throws P9Exception {
        requireSupported(node);
        checkName(name);
        node.use(fd -> {
            LinuxSyscalls.removexattr(LinuxSyscalls.procPath(fd), name);
            return null;
        });
    }

    @FunctionalInterface
    private interface Fill {
        /** Fills {@code buf} and returns the length; with a NULL buffer returns the size needed. */
        long into(MemorySegment buf) throws P9Exception;
    }

    /** Asks for the size, then reads; retries if the value grew in between (ERANGE). */
    private static byte[] sized(Fill fill) throws P9Exception {
        for (int attempt = 0; attempt < 8; attempt++) {
            long size = fill.into(MemorySegment.NULL);
            if (size == 0) {
                return new byte[0];
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(size);
                long n = fill.into(buf);
                return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            } catch (P9Exception e) {
                if (e.errno() != Errno.ERANGE) {
                    throw e;
                }
            }
        }
        throw new P9Exception(Errno.ERANGE, "xattr keeps changing size");
    }

    private static void checkName(String name) throws P9Exception {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.length() > 255) {
            throw new P9Exception(Errno.EINVAL, "invalid xattr name");
        }
    }

    private static void requireSupported(Node node) throws P9Exception {
        if (!node.type().openableForIo()) {
            throw new P9Exception(Errno.EOPNOTSUPP, "xattrs on a " + node.type());
        }
    }
}

package io.p9gate.gateway.server;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The socket calls Netty does not offer, through FFM: SO_BINDTODEVICE on a listening TCP socket, the peer
 * address of a vsock connection, whether the kernel lets a socket bind to an address, and the source address it
 * routes to one from.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the launcher enables native access.
final class SocketOptions {
    private static final int SOL_SOCKET = 1;
    private static final int SO_BINDTODEVICE = 25;
    private static final int AF_VSOCK = 40;
    /** Linux's errno for a bind to an address that is not local. */
    static final int EADDRNOTAVAIL = 99;
    /** Linux's errno for a bind to a local address none of whose ports (port 0: ephemeral ones) is free. */
    static final int EADDRINUSE = 98;

    /** Linux's errnos for a connect to an address the kernel has no route to. */
    private static final int ENETUNREACH = 101;

    private static final int EHOSTUNREACH = 113;
    /** The port a route probe's datagram socket connects to; connect(2) sends nothing. */
    private static final int DISCARD_PORT = 9;

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    /** struct sockaddr_in (16 bytes) and struct sockaddr_in6 (28 bytes), port 0. */
    private static final int SOCKADDR_IN_SIZE = 16;

    private static final int SOCKADDR_IN6_SIZE = 28;
    /** struct sockaddr_vm: family u16, reserved u16, port u32, cid u32, flags u8, zero[3]. */
    private static final int SOCKADDR_VM_SIZE = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
            .byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SETSOCKOPT =
            withErrno("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETPEERNAME =
            withErrno("getpeername", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SOCKET =
            withErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND =
            withErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT =
            withErrno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME =
            withErrno("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private SocketOptions() {}

    /** A downcall to libc's {@code name} that keeps the errno it leaves. */
    private static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, ERRNO);
    }

    /**
     * Binds the socket to a network interface: it then only accepts connections that arrive through it.
     *
     * @throws IOException naming the device and the kernel's reason (ENODEV: no such interface; EPERM: needs
     *                     CAP_NET_RAW on kernels before 5.7)
     */
    static void bindToDevice(int fd, String device) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] name = device.getBytes(StandardCharsets.US_ASCII);
            MemorySegment value = arena.allocate(name.length + 1);
            value.copyFrom(MemorySegment.ofArray(name));
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_BINDTODEVICE, value, name.length + 1);
            if (rc != 0) {
                throw new IOException("cannot bind to network interface " + device + ": " + strerror(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The CID and port of a connected vsock socket's peer. */
    static PeerFacts.Vsock vsockPeer(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_VM_SIZE);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, SOCKADDR_VM_SIZE);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int rc = (int) GETPEERNAME.invokeExact(state, fd, addr, len);
            if (rc != 0) {
                throw new IOException("getpeername: " + strerror(state));
            }
            ByteBuffer b = addr.asByteBuffer().order(ByteOrder.nativeOrder());
            int family = Short.toUnsignedInt(b.getShort(0));
            if (family != AF_VSOCK) {
                throw new IOException("not a vsock peer (address family " + family + ")");
            }
            return new PeerFacts.Vsock(Integer.toUnsignedLong(b.getInt(8)), Integer.toUnsignedLong(b.getInt(4)));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * What the kernel answers to binding a new datagram socket to {@code address}, port 0: 0 if it bound, else the
     * errno (EADDRNOTAVAIL: the address is none of this host's, unless non-local binds are allowed, where every bind
     * succeeds). Three system calls, whatever the number of interfaces.
     *
     * @throws IOException if no socket of the address's family can be made (IPv6 disabled, no descriptor left)
     */
    static int bindErrno(InetAddress address) throws IOException {
        return onDatagramSocket(address, 0, (arena, state, fd, addr) -> {
            int rc = (int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize());
            return rc == 0 ? 0 : state.get(JAVA_INT, ERRNO_OFFSET);
        });
    }

    /**
     * The source address the kernel picks for a datagram socket connected to {@code address} (no packet is sent), or
     * null where it has no route there (ENETUNREACH, EHOSTUNREACH). To an address of this host the route is the local
     * one, whose source is that address itself, whatever ip_nonlocal_bind says and whenever it was added. Four system
     * calls, whatever the number of interfaces.
     *
     * @throws IOException if no socket can be made, or the kernel refuses the connect for another reason
     */
    static InetAddress routeSource(InetAddress address) throws IOException {
        return onDatagramSocket(address, DISCARD_PORT, (arena, state, fd, addr) -> {
            if ((int) CONNECT.invokeExact(state, fd, addr, (int) addr.byteSize()) != 0) {
                int errno = state.get(JAVA_INT, ERRNO_OFFSET);
                if (errno == ENETUNREACH || errno == EHOSTUNREACH) {
                    return null;
                }
                throw new IOException("connect: " + strerror(state));
            }
            MemorySegment source = arena.allocate(SOCKADDR_IN6_SIZE);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) source.byteSize());
            if ((int) GETSOCKNAME.invokeExact(state, fd, source, len) != 0) {
                throw new IOException("getsockname: " + strerror(state));
            }
            boolean v6 = address instanceof Inet6Address;
            return InetAddress.getByAddress(
                    source.asSlice(v6 ? 8 : 4, v6 ? 16 : 4).toArray(JAVA_BYTE));
        });
    }

    /** A call on a new datagram socket, given its descriptor and the socket address of {@code address}, port. */
    private interface DatagramCall<T> {
        T on(Arena arena, MemorySegment state, int fd, MemorySegment addr) throws Throwable;
    }

    /** Runs {@code call} on a new datagram socket of the address's family, closed after it. */
    private static <T> T onDatagramSocket(InetAddress address, int port, DatagramCall<T> call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, address, port);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int fd = (int) SOCKET.invokeExact(
                    state, address instanceof Inet6Address ? AF_INET6 : AF_INET, SOCK_DGRAM_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("socket: " + strerror(state));
            }
            try {
                return call.on(arena, state, fd, addr);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A struct sockaddr_in or sockaddr_in6 (with the address's scope id) for {@code address} and {@code port}. */
    private static MemorySegment sockaddr(Arena arena, InetAddress address, int port) {
        byte[] raw = address.getAddress();
        boolean v6 = address instanceof Inet6Address;
        MemorySegment addr = arena.allocate(v6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE);
        addr.set(JAVA_SHORT, 0, (short) (v6 ? AF_INET6 : AF_INET));
        addr.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
        MemorySegment.copy(MemorySegment.ofArray(raw), 0, addr, v6 ? 8 : 4, raw.length);
        if (v6) {
            addr.set(JAVA_INT_UNALIGNED, 24, ((Inet6Address) address).getScopeId());
        }
        return addr;
    }

    private static String strerror(MemorySegment state) throws Throwable {
        int errno = state.get(JAVA_INT, ERRNO_OFFSET);
        MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
        return text.reinterpret(256).getString(0) + " (errno " + errno + ")";
    }
}

package io.p9gate.gateway.server;

import static java.lang.foreign.ValueLayout.ADDRESS;
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
 * address of a vsock connection, and whether the kernel lets a socket bind to an address.
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
        try (Arena arena = Arena.ofConfined()) {
            byte[] raw = address.getAddress();
            boolean v6 = address instanceof Inet6Address;
            MemorySegment addr = arena.allocate(v6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE);
            addr.set(JAVA_SHORT, 0, (short) (v6 ? AF_INET6 : AF_INET));
            MemorySegment.copy(MemorySegment.ofArray(raw), 0, addr, v6 ? 8 : 4, raw.length);
            if (v6) {
                addr.set(JAVA_INT_UNALIGNED, 24, ((Inet6Address) address).getScopeId());
            }
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int fd = (int) SOCKET.invokeExact(state, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("socket: " + strerror(state));
            }
            try {
                int rc = (int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize());
                return rc == 0 ? 0 : state.get(JAVA_INT, ERRNO_OFFSET);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static String strerror(MemorySegment state) throws Throwable {
        int errno = state.get(JAVA_INT, ERRNO_OFFSET);
        MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
        return text.reinterpret(256).getString(0) + " (errno " + errno + ")";
    }
}

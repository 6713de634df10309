package io.p9gate.gateway.server;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
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
 * address of a vsock connection, whether the kernel lets a socket bind to an address, and whether its route to one
 * is local.
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
    /** rtnetlink's route question and its answer (linux/netlink.h, linux/rtnetlink.h). */
    private static final int AF_NETLINK = 16;

    private static final int NETLINK_ROUTE = 0;
    private static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int NLMSG_HDRLEN = 16;
    private static final int RTMSG_LEN = 12;
    private static final int RTA_HDRLEN = 4;
    private static final short NLMSG_ERROR = 2;
    private static final short RTM_NEWROUTE = 24;
    private static final short RTM_GETROUTE = 26;
    private static final short NLM_F_REQUEST = 1;
    private static final short RTA_DST = 1;
    private static final short RTA_OIF = 4;
    private static final byte RTN_LOCAL = 2;
    /** Room for one route's answer: its attributes are a few dozen bytes. */
    private static final int ROUTE_REPLY_SIZE = 4096;

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
    private static final MethodHandle SEND =
            withErrno("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV =
            withErrno("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
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
        int family = address instanceof Inet6Address ? AF_INET6 : AF_INET;
        return onNewSocket(family, SOCK_DGRAM_CLOEXEC, 0, (arena, state, fd) -> {
            MemorySegment addr = sockaddr(arena, address);
            int rc = (int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize());
            return rc == 0 ? 0 : state.get(JAVA_INT, ERRNO_OFFSET);
        });
    }

    /**
     * Whether the kernel's route to {@code address} is a local one (RTN_LOCAL: the address is this host's), asked
     * through rtnetlink (RTM_GETROUTE, what {@code ip route get} asks; nothing is sent to the address): false where
     * it has no route there (ENETUNREACH, EHOSTUNREACH). The type, not the route's source: IPv4's local route of a
     * secondary address is sent from the interface's primary one. Whatever ip_nonlocal_bind says and whenever the
     * address was added. Four system calls, whatever the number of interfaces.
     *
     * @throws IOException if no netlink socket can be made, or the kernel refuses the question for another reason
     */
    static boolean routeIsLocal(InetAddress address) throws IOException {
        byte[] raw = address.getAddress();
        int scope = address instanceof Inet6Address v6 ? v6.getScopeId() : 0;
        int length = NLMSG_HDRLEN + RTMSG_LEN + RTA_HDRLEN + raw.length + (scope != 0 ? RTA_HDRLEN + 4 : 0);
        return onNewSocket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_ROUTE, (arena, state, fd) -> {
            MemorySegment request = arena.allocate(length, 8);
            request.set(JAVA_INT, 0, length);
            request.set(JAVA_SHORT, 4, RTM_GETROUTE);
            request.set(JAVA_SHORT, 6, NLM_F_REQUEST);
            request.set(JAVA_BYTE, NLMSG_HDRLEN, (byte) (raw.length == 16 ? AF_INET6 : AF_INET));
            request.set(JAVA_BYTE, NLMSG_HDRLEN + 1, (byte) (raw.length * 8)); // rtm_dst_len
            long at = NLMSG_HDRLEN + RTMSG_LEN;
            request.set(JAVA_SHORT, at, (short) (RTA_HDRLEN + raw.length));
            request.set(JAVA_SHORT, at + 2, RTA_DST);
            MemorySegment.copy(MemorySegment.ofArray(raw), 0, request, at + RTA_HDRLEN, raw.length);
            if (scope != 0) { // a link-local peer: the route on the link it came in on
                at += RTA_HDRLEN + raw.length;
                request.set(JAVA_SHORT, at, (short) (RTA_HDRLEN + 4));
                request.set(JAVA_SHORT, at + 2, RTA_OIF);
                request.set(JAVA_INT, at + RTA_HDRLEN, scope);
            }
            if ((long) SEND.invokeExact(state, fd, request, (long) length, 0) != length) {
                throw new IOException("send: " + strerror(state));
            }
            MemorySegment reply = arena.allocate(ROUTE_REPLY_SIZE, 8);
            long got = (long) RECV.invokeExact(state, fd, reply, (long) ROUTE_REPLY_SIZE, 0);
            if (got < 0) {
                throw new IOException("recv: " + strerror(state));
            }
            return localRoute(reply, got, scope);
        });
    }

    /**
     * Whether an RTM_GETROUTE's reply of {@code got} bytes is a local route; false for no route there, unless the
     * question named the peer's link ({@code scope}): a link-local peer has a route on any link that is up, so none
     * means its interface is gone (or down), which says nothing of whose the address was.
     */
    private static boolean localRoute(MemorySegment reply, long got, int scope) throws Throwable {
        if (got < NLMSG_HDRLEN + 4) {
            throw new IOException("route reply of " + got + " bytes");
        }
        short type = reply.get(JAVA_SHORT, 4);
        if (type == NLMSG_ERROR) {
            int errno = -reply.get(JAVA_INT, NLMSG_HDRLEN);
            if ((errno == ENETUNREACH || errno == EHOSTUNREACH) && scope == 0) {
                return false;
            }
            throw new IOException(
                    "route" + (scope != 0 ? " on interface index " + scope : "") + ": " + strerror(errno));
        }
        if (type != RTM_NEWROUTE || got < NLMSG_HDRLEN + RTMSG_LEN) {
            throw new IOException("route reply of type " + type + ", " + got + " bytes");
        }
        return reply.get(JAVA_BYTE, NLMSG_HDRLEN + 7) == RTN_LOCAL; // rtmsg's rtm_type
    }

    /** A call on a new socket, given its descriptor and the arena and errno state it may use. */
    private interface SocketCall<T> {
        T on(Arena arena, MemorySegment state, int fd) throws Throwable;
    }

    /** Runs {@code call} on a new socket of {@code family}, {@code type} and {@code protocol}, closed after it. */
    private static <T> T onNewSocket(int family, int type, int protocol, SocketCall<T> call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int fd = (int) SOCKET.invokeExact(state, family, type, protocol);
            if (fd < 0) {
                throw new IOException("socket: " + strerror(state));
            }
            try {
                return call.on(arena, state, fd);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A struct sockaddr_in or sockaddr_in6 (with the address's scope id) for {@code address}, port 0. */
    private static MemorySegment sockaddr(Arena arena, InetAddress address) {
        byte[] raw = address.getAddress();
        boolean v6 = address instanceof Inet6Address;
        MemorySegment addr = arena.allocate(v6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE);
        addr.set(JAVA_SHORT, 0, (short) (v6 ? AF_INET6 : AF_INET));
        MemorySegment.copy(MemorySegment.ofArray(raw), 0, addr, v6 ? 8 : 4, raw.length);
        if (v6) {
            addr.set(JAVA_INT_UNALIGNED, 24, ((Inet6Address) address).getScopeId());
        }
        return addr;
    }

    private static String strerror(MemorySegment state) throws Throwable {
        return strerror(state.get(JAVA_INT, ERRNO_OFFSET));
    }

    private static String strerror(int errno) throws Throwable {
        MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
        return text.reinterpret(256).getString(0) + " (errno " + errno + ")";
    }
}

package io.p9gate.gateway.server;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a listener accepts connections: {@code tcp:HOST:PORT[%DEVICE]}, {@code unix:PATH}, {@code tls:HOST:PORT}
 * (mutual TLS) or {@code vsock:PORT}. What a connection to it says about who is on the other end is the
 * {@link PeerIdentifier}'s business; this is only what is bound.
 */
public sealed interface ListenSpec {

    /** A name for logs, metrics and, through the identifier, for mapping a connection to its VM. */
    String describe();

    /**
     * Plain TCP; with {@code device}, bound to that network interface (SO_BINDTODEVICE), so that only peers
     * reaching the host through it (a VM's host-only tap) can connect.
     */
    record Tcp(String host, int port, String device) implements ListenSpec {
        public Tcp {
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("tcp listen address needs a host");
            }
            if (port < 0 || port > 0xffff) {
                throw new IllegalArgumentException("tcp port out of range 0-65535: " + port);
            }
            if (device != null && !DEVICE.matcher(device).matches()) {
                throw new IllegalArgumentException("'" + device + "' is not a network interface name");
            }
        }

        public Tcp(String host, int port) {
            this(host, port, null);
        }

        public String describe() {
            return "tcp:" + hostPort(host, port) + (device == null ? "" : "%" + device);
        }
    }

    /**
     * A Unix socket whose file gets {@code access} (owner, group, mode) once bound: the socket file is what
     * decides which processes may connect at all.
     */
    record Unix(Path path, SocketAccess access) implements ListenSpec {
        public Unix {
            Objects.requireNonNull(access, "access");
        }

        /** The gateway's user and group, mode 0660. */
        public Unix(Path path) {
            this(path, SocketAccess.DEFAULT);
        }

        public String describe() {
            return "unix:" + path;
        }
    }

    /** Mutual TLS 1.3 on HOST:PORT with the server certificate of {@code tls}. */
    record Tls(String host, int port, ServerTls tls) implements ListenSpec {
        public Tls {
            Objects.requireNonNull(tls, "tls");
            if (port < 0 || port > 0xffff) {
                throw new IllegalArgumentException("tls port out of range 0-65535: " + port);
            }
        }

        public String describe() {
            return "tls:" + hostPort(host, port);
        }
    }

    /** vsock on {@code port} of every local CID (VMADDR_CID_ANY): each guest's CID tells them apart. */
    record Vsock(int port) implements ListenSpec {
        public String describe() {
            return "vsock:" + Integer.toUnsignedString(port);
        }
    }

    /**
     * Owner and group ids of a Unix socket file ({@link #KEEP} keeps the gateway's) and its permission bits. Ids are
     * unsigned 32 bits as the kernel's: past 2^31 they are negative ints, and only -1 (4294967295, which the policy
     * refuses) means none.
     *
     * @param owner the uid, or {@link #KEEP}
     * @param group the gid, or {@link #KEEP}
     */
    record SocketAccess(int owner, int group, int mode) {
        /** No owner or group named: chown(2)'s -1, the gateway's own stays. */
        public static final int KEEP = -1;

        /** Owner and group may connect (the VM's launcher runs as the gateway's user or in its group). */
        public static final SocketAccess DEFAULT = new SocketAccess(KEEP, KEEP, 0660);
    }

    /** Linux interface names: 1 to 15 bytes (IFNAMSIZ - 1). */
    Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.-][A-Za-z0-9_.@-]{0,14}");

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Parses {@code tcp:HOST:PORT[%DEVICE]} (port 0 = any free port; IPv6 hosts in brackets) or {@code unix:PATH},
     * the forms that need no policy to say who connects.
     *
     * @throws IllegalArgumentException with a one-line message naming what is wrong
     */
    static ListenSpec parse(String text) {
        String usage = "expected tcp:HOST:PORT[%DEVICE] or unix:PATH";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty listen address; " + usage);
        }
        if (text.startsWith("tcp:")) {
            return parseTcp(text, text.substring(4));
        }
        if (text.startsWith("unix:")) {
            String path = text.substring(5);
            if (path.isEmpty()) {
                throw new IllegalArgumentException("listen address '" + text + "' has no socket path");
            }
            try {
                return new Unix(Path.of(path));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("listen address '" + text + "': invalid path: " + e.getReason());
            }
        }
        if (text.startsWith("tls:") || text.startsWith("vsock:")) {
            throw new IllegalArgumentException("listen address '" + text + "': tls: and vsock: listeners need --policy "
                    + "(the client certificate or the guest's CID says which VM connects)");
        }
        throw new IllegalArgumentException("unknown listen address '" + text + "'; " + usage);
    }

    private static Tcp parseTcp(String text, String hostPort) {
        String device = null;
        int pct = hostPort.lastIndexOf('%');
        if (pct >= 0 && hostPort.lastIndexOf(']') < pct) {
            device = hostPort.substring(pct + 1);
            hostPort = hostPort.substring(0, pct);
            if (!DEVICE.matcher(device).matches()) {
                throw new IllegalArgumentException(
                        "listen address '" + text + "': '" + device + "' is not a network interface name");
            }
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("listen address '" + text + "' needs tcp:HOST:PORT");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException(
                    "listen address '" + text + "': put IPv6 hosts in brackets, " + "e.g. tcp:[::1]:5640");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("listen address '" + text + "' has an empty host");
        }
        String portText = hostPort.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address '" + text + "': port is not a number: " + portText);
        }
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("listen address '" + text + "': port out of range 0-65535");
        }
        return new Tcp(host, port, device);
    }
}

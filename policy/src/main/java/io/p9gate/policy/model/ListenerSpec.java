package io.p9gate.policy.model;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the transport recognises a VM (R-DEP-1): the identity comes from where and how the connection arrived,
 * never from anything the guest says. Each form names what the gateway binds ({@link #bindKey()}) and what, on
 * a connection to it, says which VM is on the other end:
 * <ul>
 *   <li>{@code unix:PATH}: the socket itself (one per VM), with the socket file's owner, group and mode and,
 *       optionally, the peer credentials (SO_PEERCRED) the hypervisor process must have;</li>
 *   <li>{@code tls:HOST:PORT}: the client certificate of a mutual-TLS connection; several VMs may share one
 *       listener, the certificate picks the VM;</li>
 *   <li>{@code vsock:CID[:PORT]}: the peer's context id; several VMs may share one port;</li>
 *   <li>{@code tcp:HOST:PORT%DEVICE}: a listener bound (SO_BINDTODEVICE) to a host-only interface that only
 *       this VM reaches; without {@code %DEVICE} anyone who reaches the address is the VM (development).</li>
 * </ul>
 */
public sealed interface ListenerSpec {
    /** The 9P port (IANA "9pfs"), the default of vsock listeners. */
    int DEFAULT_VSOCK_PORT = 564;

    String describe();

    /**
     * What the gateway binds for this listener: VMs with the same key share one socket, which only the forms
     * that tell peers apart by more than the socket (TLS certificates, vsock CIDs) allow.
     */
    String bindKey();

    /**
     * A Unix socket only this VM's hypervisor process can reach: {@code unix:/run/p9gate/vm.sock}.
     *
     * @param names where the file names the socket's and the peer's accounts, so that a name this host does not
     *              know is reported where it is written
     */
    record UnixSocket(Path path, SocketFile socket, PeerCredentials peer, AccountNames names) implements ListenerSpec {
        public UnixSocket {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(names, "names");
        }

        /** Not read from a file. */
        public UnixSocket(Path path, SocketFile socket, PeerCredentials peer) {
            this(path, socket, peer, AccountNames.NOWHERE);
        }

        /** With the default socket file (0660, the gateway's own user and group) and any peer. */
        public UnixSocket(Path path) {
            this(path, SocketFile.DEFAULT, PeerCredentials.ANY);
        }

        public String describe() {
            return "unix:" + path;
        }

        public String bindKey() {
            return "unix:" + path.normalize();
        }

        /**
         * Whether every host user may connect and be the VM: connect(2) asks only for write permission on the socket
         * file, and no {@code peer:} tells the hypervisor from anyone else. The production profile refuses it.
         */
        public boolean openToEveryHostUser() {
            return (socket.mode() & 0002) != 0 && peer.any();
        }
    }

    /** A vsock context id and port: {@code vsock:42} (port 564) or {@code vsock:42:5640}. */
    record Vsock(long cid, int port) implements ListenerSpec {
        public Vsock(long cid) {
            this(cid, DEFAULT_VSOCK_PORT);
        }

        public String describe() {
            return "vsock:" + cid + (port == DEFAULT_VSOCK_PORT ? "" : ":" + port);
        }

        public String bindKey() {
            return "vsock:" + port;
        }
    }

    /** Mutual TLS on {@code HOST:PORT}; {@code client} says which certificate is this VM's. */
    record Tls(String host, int port, ClientCertificate client) implements ListenerSpec {
        public Tls {
            Objects.requireNonNull(client, "client");
        }

        public String describe() {
            return "tls:" + InetText.hostPort(host, port);
        }

        public String bindKey() {
            return "inet:" + InetText.hostPort(host, port);
        }
    }

    /** Plain TCP on {@code HOST:PORT}, bound to {@code device} when it is not null. */
    record Tcp(String host, int port, String device) implements ListenerSpec {
        public String describe() {
            return "tcp:" + InetText.hostPort(host, port) + (device == null ? "" : "%" + device);
        }

        public String bindKey() {
            return "inet:" + InetText.hostPort(host, port);
        }
    }

    /**
     * Parses the {@code listen:} text alone; a TLS listener gets {@link ClientCertificate#NONE} (the parser of the
     * policy file adds the VM's {@code client-cert:}), a Unix socket the default file and any peer.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    static ListenerSpec parse(String text) {
        if (text.startsWith("unix:")) {
            String p = text.substring(5);
            if (!p.startsWith("/")) throw new IllegalArgumentException("unix socket path must be absolute: " + text);
            Optional<String> tooLong = UnixSocketPath.tooLong(Path.of(p));
            if (tooLong.isPresent()) {
                throw new IllegalArgumentException("cannot listen on " + text + ": " + tooLong.get());
            }
            return new UnixSocket(Path.of(p));
        }
        if (text.startsWith("vsock:")) {
            return vsock(text, text.substring(6));
        }
        if (text.startsWith("tls:")) {
            InetText.HostPort hp = InetText.parse(text, text.substring(4));
            return new Tls(hp.host(), hp.port(), ClientCertificate.NONE);
        }
        if (text.startsWith("tcp:")) {
            String rest = text.substring(4);
            int pct = rest.lastIndexOf('%');
            String device = null;
            if (pct >= 0 && rest.lastIndexOf(']') < pct) {
                device = rest.substring(pct + 1);
                rest = rest.substring(0, pct);
                checkDevice(text, device);
            }
            InetText.HostPort hp = InetText.parse(text, rest);
            return new Tcp(hp.host(), hp.port(), device);
        }
        throw new IllegalArgumentException(
                "listen must be unix:PATH, tls:HOST:PORT, vsock:CID[:PORT] or " + "tcp:HOST:PORT%DEVICE, got: " + text);
    }

    private static Vsock vsock(String text, String rest) {
        int colon = rest.indexOf(':');
        String cidText = colon < 0 ? rest : rest.substring(0, colon);
        long cid;
        try {
            cid = Long.parseLong(cidText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("vsock CID is not a number: " + text);
        }
        // CIDs 0-2 are the hypervisor, reserved and the host itself; 0xFFFFFFFF is VMADDR_CID_ANY.
        if (cid < 3 || cid >= 0xFFFFFFFFL) throw new IllegalArgumentException("vsock CID out of range: " + cid);
        int port = DEFAULT_VSOCK_PORT;
        if (colon >= 0) {
            try {
                long p = Long.parseLong(rest.substring(colon + 1));
                // 0xFFFFFFFF is VMADDR_PORT_ANY; ports are otherwise 32-bit.
                if (p < 1 || p >= 0xFFFFFFFFL || p > Integer.MAX_VALUE) throw new NumberFormatException();
                port = (int) p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "vsock port must be a number from 1 to " + Integer.MAX_VALUE + ": " + text);
            }
        }
        return new Vsock(cid, port);
    }

    /** Linux interface names: 1 to 15 bytes (IFNAMSIZ - 1), no '/', ':' or white space. */
    Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.-][A-Za-z0-9_.@-]{0,14}");

    private static void checkDevice(String text, String device) {
        if (!DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("'" + device + "' in " + text + " is not a network interface name "
                    + "(1-15 letters, digits, '_', '.', '-', '@')");
        }
    }
}

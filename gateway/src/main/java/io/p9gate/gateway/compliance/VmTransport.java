package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.model.ListenerSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the suite reaches a VM's listener as that VM (R-DEP-1): the VM's identity is the transport, so the suite
 * connects where the policy says the VM connects, over TLS with the VM's client certificate where the policy
 * says so. Listeners the suite cannot use (vsock, plain TCP bound to a VM's interface, TLS without
 * {@code --tls-cert}) are {@link Unavailable}, and that VM's checks are skipped with the reason.
 */
sealed interface VmTransport {
    /** Why this VM cannot be reached, or empty if it can. */
    Optional<String> unavailable();

    /** Connects without negotiating (the caller sends Tversion). */
    P9Client connect(int maxMsize) throws IOException;

    String describe();

    /** The VM's own Unix socket. */
    record UnixSocket(Path path) implements VmTransport {
        private static final int S_IFMT = 0170000;
        private static final int S_IFSOCK = 0140000;

        public Optional<String> unavailable() {
            return Optional.empty();
        }

        public P9Client connect(int maxMsize) throws IOException {
            try {
                return P9Client.connect(UnixDomainSocketAddress.of(path), maxMsize);
            } catch (IOException e) {
                throw new IOException(whyNot(e), e);
            }
        }

        /**
         * What is wrong with the socket, from the file system (the transport's own text was a bare
         * {@code FileNotFoundException}, or the locale's words): one line naming it and what to check. When the file
         * looks fine, the kernel's reason is kept: refused (nobody listens), EAGAIN (a full backlog) and EACCES (an
         * LSM) need different checks, and a guess would send the operator to the wrong one.
         */
        private String whyNot(IOException failure) {
            if (Files.notExists(path)) {
                return "no socket at " + path
                        + " (check that the gateway runs with this policy and that the VM's listen: names its socket)";
            }
            if (!Files.exists(path)) {
                return "cannot look at " + path + " (check the permissions of the directories above it)";
            }
            if (!isSocket(path)) {
                return path + " is not a socket (check that the VM's listen: names the gateway's socket)";
            }
            if (!Files.isWritable(path)) {
                return "no permission to connect to " + path
                        + " (check its owner, group and mode: the gateway makes it 0660)";
            }
            return "cannot connect to " + path + ": " + reason(failure)
                    + "; a gateway that stopped leaves its socket: check that it runs";
        }

        /** Netty's native transport: {@code connect(..) failed with error(-111): Connection refused}. */
        private static final Pattern NATIVE_ERROR = Pattern.compile(".*error\\(-?(\\d{1,4})\\): (.+)");

        /**
         * The kernel's reason, {@code Connection refused (ECONNREFUSED)}, from the innermost cause (the outer ones
         * repeat the path); its message as it is when it is not the native transport's.
         */
        private static String reason(IOException failure) {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            Matcher m = NATIVE_ERROR.matcher(message);
            return m.matches()
                    ? m.group(2) + " (" + io.p9gate.audit.read.ErrnoNames.name(Integer.parseInt(m.group(1))) + ")"
                    : message;
        }

        private static boolean isSocket(Path path) {
            try {
                return ((Integer) Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFSOCK;
            } catch (IOException | UnsupportedOperationException e) {
                return true; // cannot tell: say what a socket's failure would be
            }
        }

        public String describe() {
            return "unix:" + path;
        }
    }

    /** The VM's TLS listener, as the VM: its client certificate is its identity. */
    record MutualTls(ListenerSpec.Tls listener, TlsCertificate certificate) implements VmTransport {
        public Optional<String> unavailable() {
            return Optional.empty();
        }

        public P9Client connect(int maxMsize) throws IOException {
            return P9Client.connect(
                    address(), maxMsize, ClientTls.of(certificate.certificate(), certificate.key(), certificate.ca()));
        }

        /** Where the suite connects: a wildcard listener on loopback, whose address the gateway's certificate names. */
        InetSocketAddress address() {
            String host = switch (listener.host()) {
                case "0.0.0.0" -> "127.0.0.1";
                case "::" -> "::1";
                default -> listener.host();
            };
            return new InetSocketAddress(host, listener.port());
        }

        public String describe() {
            return listener.describe() + " as " + certificate.certificate();
        }
    }

    record Unavailable(String describe, String reason) implements VmTransport {
        public Optional<String> unavailable() {
            return Optional.of(reason);
        }

        public P9Client connect(int maxMsize) throws IOException {
            throw new IOException(reason);
        }
    }

    /** The transport for a VM's listener; {@code certificate} is what {@code --tls-cert} gave for it. */
    static VmTransport of(ListenerSpec listener, Optional<TlsCertificate> certificate) {
        return switch (listener) {
            case ListenerSpec.UnixSocket unix -> new UnixSocket(unix.path());
            case ListenerSpec.Vsock vsock ->
                new Unavailable(
                        vsock.describe(),
                        "the suite has no vsock transport "
                                + "(a vsock peer is a guest: this host cannot connect as one)"
                                + certificate
                                        .map(c -> "; --tls-cert is not used for it")
                                        .orElse(""));
            case ListenerSpec.Tls tls ->
                certificate
                        .<VmTransport>map(c -> new MutualTls(tls, c))
                        .orElseGet(() -> new Unavailable(
                                tls.describe(),
                                "a TLS listener: give the VM's client certificate "
                                        + "with --tls-cert VM=CERT,KEY[,CA]"));
            case ListenerSpec.Tcp tcp ->
                new Unavailable(tcp.describe(), "plain TCP listeners are not reached by the suite");
        };
    }
}

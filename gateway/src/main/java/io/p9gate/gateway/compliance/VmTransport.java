package io.p9gate.gateway.compliance;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.model.ListenerSpec;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the suite reaches a VM's listener as that VM (R-DEP-1): the VM's identity is the transport, so the suite
 * connects where the policy says the VM connects. Listeners the suite cannot use (vsock today; TLS until the
 * gateway has a TLS listener) are {@link Unavailable}, and that VM's checks are skipped with the reason.
 */
sealed interface VmTransport {
    /** Why this VM cannot be reached, or empty if it can. */
    Optional<String> unavailable();

    /** Connects without negotiating (the caller sends Tversion). */
    P9Client connect(int maxMsize) throws IOException;

    String describe();

    /** The VM's own Unix socket. */
    record UnixSocket(Path path) implements VmTransport {
        public Optional<String> unavailable() {
            return Optional.empty();
        }

        public P9Client connect(int maxMsize) throws IOException {
            return P9Client.connect(UnixDomainSocketAddress.of(path), maxMsize);
        }

        public String describe() {
            return "unix:" + path;
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
            case ListenerSpec.Vsock vsock -> new Unavailable(vsock.describe(), "the suite has no vsock transport "
                    + "(a vsock peer is a guest: this host cannot connect as one)"
                    + certificate.map(c -> "; --tls-cert is not used for it").orElse(""));
            case ListenerSpec.Tls tls -> new Unavailable(tls.describe(), "TLS listeners are not reached by the suite yet");
            case ListenerSpec.Tcp tcp -> new Unavailable(tcp.describe(), "plain TCP listeners are not reached by the suite");
        };
    }
}

package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import io.p9gate.gateway.server.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that revokes a VM's certificate closes the VM's open connections (Gateway#closeConnectionsNoLongerIdentified).
 * A TLS client decides when its handshake ends: its certificate is decided when it arrives, and the client may hold
 * back the rest of its flight. A reload that runs in between finds no identity kept with that connection yet; the
 * connection must not then be served as the VM on the decision made before the reload.
 */
class RevokedMidHandshakeAttackTest {
    private static final int MSIZE = 65536;

    @TempDir
    Path tmp;

    @Test
    void aCertificateRevokedWhileItsHandshakeEndsIsNotServed() throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        ServerTls serverTls = IdentityRig.serverTls(pki);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        AtomicBoolean revoked = new AtomicBoolean();
        try (IdentityRig rig = new IdentityRig(tmp)) {
            // The policy in force until the handshake's certificate is decided; then a reload revokes it (the
            // identifier refuses it from then on) and its pass over the open connections runs, as serve's does.
            rig.identifiers = policy -> new PeerIdentifier() {
                @Override
                public PeerVerdict identify(ListenSpec listener, PeerFacts peer) {
                    if (revoked.get()) {
                        return new PeerVerdict.Refused("a", RULE_TLS, "revoked by the reload");
                    }
                    PeerVerdict decided = policy.identify(listener, peer);
                    revoked.set(true);
                    rig.gateway.closeConnectionsNoLongerIdentified(vm -> true);
                    return decided;
                }

                @Override
                public void handshakeFailed(ListenSpec listener, String peer, String reason) {
                    policy.handshakeFailed(listener, peer, reason);
                }
            };
            rig.start(
                    """
                    a:
                      listen: tls:127.0.0.1:%d
                      client-cert: {ca: %s, subject: "CN=a", crl: %s}
                      shares: {a: {path: %%A, access: read-only}}
                    """.formatted(
                            port, pki.dir().resolve(TestPki.CA_CERT), pki.dir().resolve(TestPki.CA_CRL)),
                    serverTls);
            Path a = pki.dir().resolve("a");
            var client = ClientTls.of(
                    a.resolve(TestPki.CLIENT_CERT),
                    a.resolve(TestPki.CLIENT_KEY),
                    pki.dir().resolve(TestPki.CA_CERT));
            assertThrows(
                    IOException.class,
                    () -> {
                        try (P9Client c = P9Client.connect(new InetSocketAddress("127.0.0.1", port), MSIZE, client)) {
                            c.version(MSIZE, "9P2000.L");
                            c.attach(0, "root", "a", 0);
                            c.walk(0, 1, "a.txt");
                            c.lopen(1, 0);
                            assertEquals("", new String(c.read(1, 0, 100), StandardCharsets.UTF_8), "served as a");
                        }
                    },
                    "a connection whose certificate the reload revoked is closed before any 9P reply");
        }
    }
}

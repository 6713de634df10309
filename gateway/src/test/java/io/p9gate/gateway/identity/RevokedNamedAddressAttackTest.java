package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.server.ServerTls;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, tls: listeners): an address from which a handshake named a VM has its silent connections
 * displaced last (server.NamedAddresses), so that a peer renewing silent connections cannot keep that VM out
 * (SilentConnectionRenewalAttackTest). A reload forgot only the addresses of the VMs it removed: a certificate it
 * revoked (a new CRL, a changed pin) while its VM stayed kept the rank of every address it had handshaked from, so
 * whoever held the stolen certificate could go on outranking the other VMs' new connections with silent ones from
 * those addresses, with no certificate the gateway accepts. An address is named by the certificate behind it: one
 * the policy no longer accepts names none.
 */
class RevokedNamedAddressAttackTest {
    private static final int MSIZE = 65536;
    private static final InetAddress LOOPBACK = loopback();

    @TempDir
    Path tmp;

    @Test
    void aRevokedCertificatesAddressesNoLongerRankAsNamed() throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a", "b");
        ServerTls serverTls = IdentityRig.serverTls(pki);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            port = probe.getLocalPort();
        }
        Object ca = pki.dir().resolve(TestPki.CA_CERT);
        Object crl = pki.dir().resolve(TestPki.CA_CRL);
        String vms = """
                a:
                  listen: tls:127.0.0.1:%1$d
                  client-cert: {ca: %2$s, subject: "CN=a", crl: %3$s}
                  shares: {a: {path: %%A, access: read-only}}
                b:
                  listen: tls:127.0.0.1:%1$d
                  client-cert: {ca: %2$s, subject: "CN=b", crl: %3$s}
                  shares: {b: {path: %%B, access: read-only}}
                """.formatted(port, ca, crl);
        try (IdentityRig rig = new IdentityRig(tmp).start(vms, serverTls)) {
            mount(pki, "a", port);
            assertTrue(rig.gateway.ranksAsNamed(LOOPBACK), "a's handshake named its address");

            pki.revoke("a");
            reloadAndReidentify(rig);
            assertFalse(
                    rig.gateway.ranksAsNamed(LOOPBACK),
                    "a's certificate is revoked, a stays in the policy: its address must rank as any other");

            mount(pki, "b", port);
            assertTrue(rig.gateway.ranksAsNamed(LOOPBACK), "b's handshake named the address");
            reloadAndReidentify(rig);
            assertTrue(rig.gateway.ranksAsNamed(LOOPBACK), "a reload revoking nothing keeps b's address");
        }
    }

    /** Mounts {@code vm}'s share over TLS with its certificate, then disconnects (the address stays named). */
    private static void mount(TestPki pki, String vm, int port) throws Exception {
        Path d = pki.dir().resolve(vm);
        var tls = ClientTls.of(
                d.resolve(TestPki.CLIENT_CERT),
                d.resolve(TestPki.CLIENT_KEY),
                pki.dir().resolve(TestPki.CA_CERT));
        try (P9Client c = P9Client.open(new InetSocketAddress("127.0.0.1", port), MSIZE, tls)) {
            c.attach(0, "root", vm, 0);
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1"); // the server certificate's SAN; no name resolution
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void reloadAndReidentify(IdentityRig rig) throws IOException {
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
        Set<String> vms = rig.holder.current().listeners().keySet();
        assertEquals(0, rig.gateway.closeConnectionsNoLongerIdentified(vms::contains), "no connection was open");
    }
}

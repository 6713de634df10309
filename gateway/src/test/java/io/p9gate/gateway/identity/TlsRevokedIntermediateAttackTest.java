package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.p9gate.gateway.certs.Pem;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack on {@code client-cert: {ca, subject, crl}} (R-DEP-1): the VM's certificate comes from an intermediate CA
 * that the client presents with it, as PKIX allows. When the root revokes the intermediate (its key leaked, say), a
 * certificate the intermediate issued must be refused as a revoked one is. Only the leaf was looked up in the CRL,
 * so a certificate for {@code CN=a} minted with the leaked intermediate's key kept VM a's access.
 */
class TlsRevokedIntermediateAttackTest {
    private static final int MSIZE = 8192;

    @TempDir
    Path tmp;

    @Test
    void aCertificateFromARevokedIntermediateIsRefused() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        TestPki pki = listener.pki();
        X509Certificate root =
                Pem.certificates(pki.dir().resolve(TestPki.CA_CERT)).getFirst();
        PrivateKey rootKey = TlsPeerIdentityTest.key(pki.dir().resolve(TestPki.CA_KEY));
        Instant now = Instant.now();
        KeyPair intermediateKeys = TlsPeerIdentityTest.newKeyPair();
        X509Certificate intermediate = TlsPeerIdentityTest.mint(
                new X500Principal("CN=p9gate intermediate"),
                intermediateKeys.getPublic(),
                root.getSubjectX500Principal(),
                rootKey,
                now,
                true);
        KeyPair leafKeys = TlsPeerIdentityTest.newKeyPair();
        X509Certificate leaf = TlsPeerIdentityTest.mint(
                new X500Principal("CN=a"),
                leafKeys.getPublic(),
                intermediate.getSubjectX500Principal(),
                intermediateKeys.getPrivate(),
                now,
                false);
        String vms = """
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a", crl: %s}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(
                listener.port(), pki.dir().resolve(TestPki.CA_CERT), pki.dir().resolve(TestPki.CA_CRL));
        try (IdentityRig rig = new IdentityRig(tmp).start(vms, listener.serverTls())) {
            assertEquals("VM a's view", readA(listener, leafKeys.getPrivate(), leaf, intermediate), "the chain holds");

            // The root's CRL now lists the intermediate (TestPki revokes what a directory's client-cert.pem holds).
            Path entry = Files.createDirectories(pki.dir().resolve("intermediate"));
            Files.writeString(entry.resolve(TestPki.CLIENT_CERT), pem(intermediate));
            pki.revoke("intermediate");
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());

            assertThrows(
                    IOException.class,
                    () -> readA(listener, leafKeys.getPrivate(), leaf, intermediate),
                    "a certificate the revoked intermediate issued is not VM a");
            List<String> why =
                    rig.refusals().stream().map(r -> r.request().detail()).toList();
            assertEquals(1, why.size(), rig.records.toString());
            assertTrue(why.getFirst().contains("is revoked by"), why.toString());
        }
    }

    /** A fresh client (no session to resume) presenting {@code chain}; VM a's file as it reads it. */
    private static String readA(SharedTlsListener listener, PrivateKey key, X509Certificate... chain) throws Exception {
        SslContext client = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3")
                .keyManager(key, chain)
                .trustManager(listener.pki().dir().resolve(TestPki.CA_CERT).toFile())
                .build();
        try (P9Client c = P9Client.connect(new InetSocketAddress("127.0.0.1", listener.port()), MSIZE, client)) {
            c.version(MSIZE, "9P2000.L");
            c.attach(0, "root", "a", 0);
            c.walk(0, 1, "a.txt");
            c.lopen(1, 0);
            return new String(c.read(1, 0, 100), StandardCharsets.UTF_8);
        }
    }

    private static String pem(X509Certificate cert) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }
}

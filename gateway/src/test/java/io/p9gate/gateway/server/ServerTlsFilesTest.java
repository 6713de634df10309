package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --tls-cert FILE --tls-key FILE} as an operator gets them wrong: each mistake stops the start with
 * one line naming the file and what is wrong, instead of a gateway whose every handshake fails.
 */
class ServerTlsFilesTest {
    @TempDir
    Path dir;

    private TestPki pki() throws Exception {
        TestPki pki = TestPki.create(dir, "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("a", Duration.ofDays(1));
        return pki;
    }

    @Test
    void theServersOwnCertificateAndKeyLoad() throws Exception {
        TestPki pki = pki();
        assertDoesNotThrow(() ->
                ServerTls.load(pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY)));
    }

    /**
     * The CA's key (or a VM's) with the server's certificate: a valid key, of the certificate's algorithm, that is
     * not its key. Before, serve started, and every handshake failed with "bad signature", which the gateway logged
     * as "TLS handshake failed: Unexpected exception".
     */
    @Test
    void aKeyThatIsNotTheCertificatesStopsTheStart() throws Exception {
        TestPki pki = pki();
        Path cert = pki.dir().resolve(TestPki.SERVER_CERT);
        for (Path key : List.of(
                pki.dir().resolve(TestPki.CA_KEY), pki.dir().resolve("a").resolve(TestPki.CLIENT_KEY))) {
            IOException e = assertThrows(IOException.class, () -> ServerTls.load(cert, key), key.toString());
            assertTrue(
                    e.getMessage().contains(key.toString()) && e.getMessage().contains(cert.toString()),
                    e.getMessage());
            assertTrue(e.getMessage().contains("is not the private key of"), e.getMessage());
        }
    }

    /** Before, "cannot read TLS file FILE", with no reason: a typo and a directory read alike. */
    @Test
    void aFileThatCannotBeReadIsNamedWithTheReason() throws Exception {
        TestPki pki = pki();
        Path key = pki.dir().resolve(TestPki.SERVER_KEY);
        IOException missing = assertThrows(IOException.class, () -> ServerTls.load(dir.resolve("server-crt.pem"), key));
        assertTrue(missing.getMessage().endsWith("server-crt.pem: no such file or directory"), missing.getMessage());
        IOException directory = assertThrows(IOException.class, () -> ServerTls.load(dir, key));
        assertTrue(directory.getMessage().endsWith(dir + ": is a directory (not a TLS file)"), directory.getMessage());
    }
}

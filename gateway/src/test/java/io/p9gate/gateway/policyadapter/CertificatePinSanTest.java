package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.policy.model.ClientCertificate;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SAN pin matches a certificate's SAN as the load's conflict check reads both (ClientCertificate.sanAsMatched): a
 * DNS name whatever its case, and nothing for another name.
 */
class CertificatePinSanTest {
    @TempDir
    Path tmp;

    @Test
    void aSanPinMatchesTheCertificatesSanAsTheLoadReadsIt() throws Exception {
        TestPki pki = TestPki.create(tmp, "p9gate test CA", List.of(), Duration.ofDays(1));
        X509Certificate a = pki.issueClient("a", Duration.ofDays(1)); // SAN DNS:a
        Path ca = pki.dir().resolve(TestPki.CA_CERT);

        assertInstanceOf(CertificatePin.Match.Yes.class, pin(ca, "DNS:a").match(List.of(a)));
        assertInstanceOf(CertificatePin.Match.Yes.class, pin(ca, "dns:A").match(List.of(a)), "whatever the case");
        assertInstanceOf(CertificatePin.Match.No.class, pin(ca, "DNS:b").match(List.of(a)));
        assertInstanceOf(CertificatePin.Match.No.class, pin(ca, "IP:127.0.0.1").match(List.of(a)));
    }

    private static CertificatePin pin(Path ca, String san) {
        return CertificatePin.of(new ClientCertificate(List.of(), ca, null, san, null));
    }
}

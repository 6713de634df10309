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
    private static final Duration DAY = Duration.ofDays(1);

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

    /**
     * A DNS SAN pin is one name exactly, its case aside: the CA's certificates for other spellings that a looser
     * matcher (a resolver, a TLS client checking a server) would take as this name or as covering it are not the VM's.
     */
    @Test
    void aDnsPinTakesNoWildcardTrailingDotOrLongerName() throws Exception {
        TestPki pki = TestPki.create(tmp, "p9gate test CA", List.of(), Duration.ofDays(1));
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        CertificatePin vm = pin(ca, "DNS:a.ecu");

        assertInstanceOf(CertificatePin.Match.Yes.class, vm.match(List.of(pki.issueClient("A.ECU", DAY))));
        for (String other : List.of("*.ecu", "a.ecu.", "a.ecu.evil", "evil.a.ecu", "*.a.ecu", "a-ecu")) {
            assertInstanceOf(
                    CertificatePin.Match.No.class, vm.match(List.of(pki.issueClient(other, DAY))), "DNS:" + other);
        }
    }

    private static CertificatePin pin(Path ca, String san) {
        return CertificatePin.of(new ClientCertificate(List.of(), ca, null, san, null));
    }
}

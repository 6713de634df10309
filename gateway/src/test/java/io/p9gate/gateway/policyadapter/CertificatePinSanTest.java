package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.certs.Pem;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.policy.model.ClientCertificate;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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

    /**
     * A DNS or email SAN with a NUL (the classic C-string truncation: {@code a.ecu\0.evil} read as {@code a.ecu}) is
     * not the name before it.
     */
    @Test
    void aSanWithANulIsNotTheNameBeforeIt() throws Exception {
        TestPki pki = TestPki.create(tmp, "p9gate test CA", List.of(), DAY);
        Path ca = pki.dir().resolve(TestPki.CA_CERT);
        CertificatePin dns = pin(ca, "DNS:a.ecu");
        CertificatePin email = pin(ca, "email:a@ecu");

        assertInstanceOf(CertificatePin.Match.Yes.class, dns.match(List.of(issued(pki, dnsName("a.ecu")))));
        assertInstanceOf(CertificatePin.Match.Yes.class, email.match(List.of(issued(pki, emailName("a@ecu")))));
        for (String nul : List.of("a.ecu\0.evil", "a.ecu\0", "\0a.ecu")) {
            assertInstanceOf(CertificatePin.Match.No.class, dns.match(List.of(issued(pki, dnsName(nul)))), nul);
        }
        for (String nul : List.of("a@ecu\0.evil", "a@ecu\0")) {
            assertInstanceOf(CertificatePin.Match.No.class, email.match(List.of(issued(pki, emailName(nul)))), nul);
        }
    }

    private static GeneralName dnsName(String name) {
        return new GeneralName(GeneralName.dNSName, new DERIA5String(name));
    }

    private static GeneralName emailName(String name) {
        return new GeneralName(GeneralName.rfc822Name, new DERIA5String(name));
    }

    /** A client certificate the test CA signed, subject CN=x, with {@code san} as its only SAN. */
    private static X509Certificate issued(TestPki pki, GeneralName san) throws Exception {
        X509Certificate ca =
                Pem.certificates(pki.dir().resolve(TestPki.CA_CERT)).getFirst();
        String pem = Files.readString(pki.dir().resolve(TestPki.CA_KEY)).replaceAll("-----[A-Z ]+-----|\\s", "");
        PrivateKey caKey = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        KeyPairGenerator keys = KeyPairGenerator.getInstance("EC");
        keys.initialize(new ECGenParameterSpec("secp256r1"));
        Instant now = Instant.now();
        return new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                ca.getSubjectX500Principal(),
                                BigInteger.valueOf(now.toEpochMilli()),
                                Date.from(now.minus(Duration.ofHours(1))),
                                Date.from(now.plus(DAY)),
                                new X500Principal("CN=x"),
                                keys.generateKeyPair().getPublic())
                        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san))
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
    }

    private static CertificatePin pin(Path ca, String san) {
        return CertificatePin.of(new ClientCertificate(List.of(), ca, null, san, null));
    }
}

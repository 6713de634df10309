package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * A certificate's extendedKeyUsage may list any number of purposes, each any OID: the refusal that names them goes
 * into a record's {@code reason=}, so it is bounded, as a TLS peer's other text is.
 */
class ClientUsageTest {
    private static X509Certificate withPurposes(KeyPurposeId... purposes) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        Instant now = Instant.now();
        X500Principal name = new X500Principal("CN=a");
        return new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                name,
                                BigInteger.ONE,
                                Date.from(now.minus(Duration.ofHours(1))),
                                Date.from(now.plus(Duration.ofDays(1))),
                                name,
                                pair.getPublic())
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }

    /** 2,000 purposes of 60-arc OIDs: the refusal held them all (about 300 KB of one record). */
    @Test
    void aRefusalNamesABoundedListOfPurposes() throws Exception {
        KeyPurposeId[] purposes = new KeyPurposeId[2_000];
        String arcs = "1.3.6.1.4.1" + ".123456789".repeat(55);
        for (int i = 0; i < purposes.length; i++) {
            purposes[i] = KeyPurposeId.getInstance(new ASN1ObjectIdentifier(arcs + "." + i));
        }
        String refusal = ClientUsage.refusal(withPurposes(purposes));
        assertTrue(refusal.contains("has neither clientAuth nor anyExtendedKeyUsage"), refusal);
        assertTrue(refusal.getBytes(StandardCharsets.UTF_8).length <= 4_096 + 200, refusal.length() + " characters");
        assertTrue(refusal.contains("2000 purposes"), refusal);
    }

    @Test
    void aFewPurposesAreNamedWhole() throws Exception {
        String refusal =
                ClientUsage.refusal(withPurposes(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_codeSigning));
        assertTrue(
                refusal.contains("[serverAuth, codeSigning] has neither clientAuth nor anyExtendedKeyUsage"), refusal);
        assertNull(ClientUsage.refusal(withPurposes(KeyPurposeId.id_kp_clientAuth)));
    }
}

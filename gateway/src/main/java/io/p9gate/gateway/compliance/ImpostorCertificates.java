package io.p9gate.gateway.compliance;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Client certificates that claim a VM's identity without being its certificate, made at run time and kept in memory
 * only: one self-signed with the subject the VM's pin names (and the subject alternative names of the VM's own
 * certificate), and one with that subject and those names issued by another CA that carries the name of the VM's
 * real CA. Each is a proper TLS client certificate (clientAuth, digitalSignature), so the gateway can refuse it
 * only for who issued it.
 */
final class ImpostorCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration SLACK = Duration.ofHours(1);

    /** A certificate chain (the presented certificate first) and its key, with what it is, for the reports. */
    record Impostor(String slug, String describe, PrivateKey key, List<X509Certificate> chain) {}

    private ImpostorCertificates() {}

    /**
     * The two impostors of {@code vmCertificate}'s identity.
     *
     * @param subject the subject they carry: the pin's, else the VM certificate's
     */
    static List<Impostor> of(X509Certificate vmCertificate, X500Principal subject)
            throws GeneralSecurityException, IOException {
        Extension sans = subjectAltNames(vmCertificate);
        KeyPair self = newKeyPair();
        X509Certificate selfSigned = sign(client(subject, subject, self, sans), self.getPrivate());

        X500Principal caName = vmCertificate.getIssuerX500Principal();
        KeyPair ca = newKeyPair();
        X509Certificate otherCa = sign(
                builder(caName, caName, ca)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)),
                ca.getPrivate());
        KeyPair leaf = newKeyPair();
        X509Certificate issued = sign(client(caName, subject, leaf, sans), ca.getPrivate());
        return List.of(
                new Impostor(
                        "self-signed",
                        "a self-signed certificate with subject " + subject.getName(),
                        self.getPrivate(),
                        List.of(selfSigned)),
                new Impostor(
                        "other-ca",
                        "a certificate with subject " + subject.getName() + " issued by another CA named "
                                + caName.getName(),
                        leaf.getPrivate(),
                        List.of(issued, otherCa)));
    }

    private static X509v3CertificateBuilder client(
            X500Principal issuer, X500Principal subject, KeyPair pair, Extension sans) throws CertIOException {
        X509v3CertificateBuilder b = builder(issuer, subject, pair)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        return sans == null ? b : b.addExtension(sans);
    }

    private static X509v3CertificateBuilder builder(X500Principal issuer, X500Principal subject, KeyPair pair) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(127, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(SLACK)),
                Date.from(now.plus(SLACK)),
                subject,
                pair.getPublic());
    }

    private static Extension subjectAltNames(X509Certificate certificate) throws GeneralSecurityException {
        return new JcaX509CertificateHolder(certificate).getExtension(Extension.subjectAlternativeName);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return gen.generateKeyPair();
    }
}

package io.p9gate.gateway.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * Whether the gateway's TLS key is the private key of its certificate. The TLS context takes any key with any
 * certificate, and a wrong pair (the CA's key beside the server's certificate) fails every handshake with "bad
 * signature", which the gateway can only log as a handshake that failed: so a test signature made with the key
 * must verify with the certificate's public key before anything listens.
 */
final class TlsKeyMatch {
    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";

    private TlsKeyMatch() {}

    /** @throws IOException naming both files when the key is not the certificate's */
    static void check(Path certificate, Path key) throws IOException {
        X509Certificate leaf = leaf(certificate);
        Optional<byte[]> pkcs8 = pkcs8(key);
        String algorithm = leaf.getPublicKey().getAlgorithm();
        Optional<String> signature = signatureFor(algorithm);
        if (pkcs8.isEmpty() || signature.isEmpty()) {
            return; // a form or an algorithm this check does not know: the TLS context accepted it, as before
        }
        if (!signs(pkcs8.get(), algorithm, signature.get(), leaf.getPublicKey())) {
            throw new IOException("TLS key " + key + " is not the private key of the certificate " + certificate
                    + " (" + leaf.getSubjectX500Principal().getName() + "); every handshake would fail: give the key"
                    + " made with it (p9gate certs writes server-key.pem beside server-cert.pem)");
        }
    }

    private static X509Certificate leaf(Path certificate) throws IOException {
        try (InputStream in = Files.newInputStream(certificate)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS certificate " + certificate + ": " + e.getMessage(), e);
        }
    }

    /** The DER of an unencrypted PKCS#8 PEM key, or empty for another form. */
    private static Optional<byte[]> pkcs8(Path key) throws IOException {
        String text = Files.readString(key, StandardCharsets.US_ASCII);
        int start = text.indexOf(BEGIN);
        int end = start < 0 ? -1 : text.indexOf(END, start);
        if (end < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getMimeDecoder().decode(text.substring(start + BEGIN.length(), end)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> signatureFor(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC" -> Optional.of("SHA256withECDSA");
            case "RSA" -> Optional.of("SHA256withRSA");
            case "EdDSA", "Ed25519", "Ed448" -> Optional.of("EdDSA");
            default -> Optional.empty();
        };
    }

    /** Whether a signature of random bytes with the key verifies with {@code expected}; a key of another type does not. */
    private static boolean signs(byte[] pkcs8, String algorithm, String signature, PublicKey expected) {
        try {
            PrivateKey privateKey = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(signature);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(expected);
            verifier.update(challenge);
            return verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            return false; // not a key of the certificate's algorithm (an RSA key beside an EC certificate)
        }
    }
}

package io.p9gate.gateway.certs;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/** The one way a certificate is named by content: what {@code client-cert: sha256} pins and the tools print. */
public final class Fingerprint {
    private Fingerprint() {}

    /** SHA-256 of the DER certificate, 64 lower-case hex digits. */
    public static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 or the certificate's encoding is unavailable", e);
        }
    }
}

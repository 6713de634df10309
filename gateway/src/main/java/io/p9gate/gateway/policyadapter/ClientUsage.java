package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.BoundedWord;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Whether a certificate the CA issued may authenticate a TLS client (RFC 5280 4.2.1.3, 4.2.1.12). A CA that also
 * issues server certificates would otherwise let a server certificate with a VM's subject stand for that VM. A
 * certificate without the extension is not restricted, as RFC 5280 says.
 */
final class ClientUsage {
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
    private static final int DIGITAL_SIGNATURE = 0;
    /** Purposes a refusal names at most. */
    private static final int NAMED = 8;

    private ClientUsage() {}

    /** Why {@code leaf} may not be a TLS client's certificate, or null if it may. */
    static String refusal(X509Certificate leaf) {
        List<String> purposes;
        try {
            purposes = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return "certificate's extendedKeyUsage cannot be read: " + e.getMessage();
        }
        if (purposes != null && !purposes.contains(CLIENT_AUTH) && !purposes.contains(ANY_EXTENDED_KEY_USAGE)) {
            return "certificate is not for TLS clients: its extendedKeyUsage " + named(purposes)
                    + " has neither clientAuth nor anyExtendedKeyUsage";
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage != null && (usage.length <= DIGITAL_SIGNATURE || !usage[DIGITAL_SIGNATURE])) {
            return "certificate's keyUsage lacks digitalSignature, which a TLS client's signature needs";
        }
        return null;
    }

    /**
     * The first {@link #NAMED} purposes, bounded as a peer's text is ({@link BoundedWord#shown}), and how many there
     * are when more: a certificate may list any number of any OIDs, and all of them went into the refusal's record.
     */
    private static String named(List<String> purposes) {
        String first = BoundedWord.shown(
                purposes.stream().limit(NAMED).map(ClientUsage::name).toList().toString());
        return purposes.size() <= NAMED ? first : first + " (" + purposes.size() + " purposes)";
    }

    private static String name(String oid) {
        return switch (oid) {
            case "1.3.6.1.5.5.7.3.1" -> "serverAuth";
            case "1.3.6.1.5.5.7.3.3" -> "codeSigning";
            case "1.3.6.1.5.5.7.3.4" -> "emailProtection";
            case "1.3.6.1.5.5.7.3.8" -> "timeStamping";
            case "1.3.6.1.5.5.7.3.9" -> "OCSPSigning";
            default -> oid;
        };
    }
}

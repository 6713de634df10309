package io.p9gate.policy.load;

import io.p9gate.policy.model.ClientCertificate;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

/**
 * A VM's {@code client-cert:} pinned by CA, as the load's conflict check compares it with another VM's: which CA
 * certificates anchor it, and the subject and SAN as the gateway matches them.
 *
 * <p>Two such pins can match one certificate when they share a CA certificate (the same file, or two files holding
 * the same certificate: a chain to it validates under both) and neither the subjects nor the SANs tell them apart: a
 * field tells two pins apart only when both pin it with different values. A pin without a subject matches any
 * subject, one without a SAN any SAN. Two different SANs are taken to tell pins apart, though a CA may issue one
 * certificate carrying both: the gateway refuses such a certificate as ambiguous when it is presented.
 *
 * @param anchors SHA-256 of each CA certificate in the {@code ca} file (its path if it cannot be read)
 */
record CaPin(VmPolicy vm, Set<String> anchors, String subject, String san) {
    static CaPin of(VmPolicy vm, ClientCertificate pin) {
        return new CaPin(vm, anchorsOf(pin), pin.subjectAsMatched(), pin.sanAsMatched());
    }

    /** Whether one certificate can match both pins. */
    boolean overlaps(CaPin other) {
        return anchors.stream().anyMatch(other.anchors::contains)
                && compatible(subject, other.subject)
                && compatible(san, other.san);
    }

    /** Whether both pin the same subject and SAN (as matched), so are one pin. */
    boolean equalNames(CaPin other) {
        return Objects.equals(subject, other.subject) && Objects.equals(san, other.san);
    }

    /** The names a certificate matching both carries, for the operator. */
    String namesWith(CaPin other) {
        String s = subject != null ? subject : other.subject;
        String n = san != null ? san : other.san;
        return s == null ? "SAN " + n : n == null ? "subject " + s : "subject " + s + " and SAN " + n;
    }

    private static boolean compatible(String a, String b) {
        return a == null || b == null || a.equals(b);
    }

    private static Set<String> anchorsOf(ClientCertificate pin) {
        try (InputStream in = Files.newInputStream(pin.ca())) {
            Set<String> anchors = new HashSet<>();
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.add(HexFormat.of().formatHex(sha256.digest(c.getEncoded())));
            }
            return anchors.isEmpty() ? Set.of(pin.ca().toString()) : anchors;
        } catch (IOException | GeneralSecurityException e) {
            return Set.of(pin.ca().toString()); // read at parse already; unreadable now, it is compared by its path
        }
    }
}

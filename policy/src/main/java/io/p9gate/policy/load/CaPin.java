package io.p9gate.policy.load;

import io.p9gate.policy.model.ClientCertificate;
import io.p9gate.policy.model.VmPolicy;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A VM's {@code client-cert:} pinned by CA, as the load's conflict check compares it with another VM's: which CAs
 * anchor it and which stand above them, and the subject and SAN as the gateway matches them.
 *
 * <p>Two such pins can match one certificate when a CA of one is a CA of the other or one above it (the same
 * certificate in two files, a CA certificate issued again, an intermediate the other's CA issued: a chain through
 * it validates under both) and their subjects do not tell them apart: only two different subjects do, a certificate
 * having one. A pin without a subject matches any subject. SANs never tell pins apart: a certificate carries any
 * number of them, so one naming both pinned SANs matches both pins.
 *
 * @param anchors {@link CaLineage#identity} of each CA certificate in the {@code ca} file (its path if it cannot be
 *                read)
 * @param lineage the anchors and every CA above them that the policy's {@code ca} files show
 */
record CaPin(VmPolicy vm, Set<String> anchors, Set<String> lineage, String subject, String san) {
    static CaPin of(VmPolicy vm, ClientCertificate pin, CaLineage cas) {
        List<X509Certificate> certificates = CaLineage.certificates(pin.ca());
        if (certificates.isEmpty()) { // read at parse already; unreadable now, it is compared by its path
            Set<String> path = Set.of(pin.ca().toString());
            return new CaPin(vm, path, path, pin.subjectAsMatched(), pin.sanAsMatched());
        }
        Set<String> anchors = new HashSet<>();
        certificates.forEach(c -> anchors.add(CaLineage.identity(c)));
        return new CaPin(vm, anchors, cas.withIssuers(certificates), pin.subjectAsMatched(), pin.sanAsMatched());
    }

    /** Whether one certificate can match both pins. */
    boolean overlaps(CaPin other) {
        return (!Collections.disjoint(anchors, other.lineage) || !Collections.disjoint(lineage, other.anchors))
                && (subject == null || other.subject == null || subject.equals(other.subject));
    }

    /** Whether both pin a CA both files hold. */
    boolean sameCa(CaPin other) {
        return !Collections.disjoint(anchors, other.anchors);
    }

    /** Whether both pin the same subject and SAN (as matched), so are one pin. */
    boolean equalNames(CaPin other) {
        return Objects.equals(subject, other.subject) && Objects.equals(san, other.san);
    }

    /** The names a certificate matching both carries, for the operator. */
    String namesWith(CaPin other) {
        String s = subject != null ? subject : other.subject;
        List<String> sans =
                Stream.of(san, other.san).filter(Objects::nonNull).distinct().toList();
        String n = sans.isEmpty() ? null : (sans.size() == 1 ? "SAN " : "SANs ") + String.join(" and ", sans);
        return s == null ? n : n == null ? "subject " + s : "subject " + s + " and " + n;
    }
}

package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.certs.Fingerprint;
import io.p9gate.gateway.certs.Pem;
import io.p9gate.policy.model.ClientCertificate;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One VM's {@code client-cert:}, ready to match: the pinned fingerprints, or the CA certificates (as PKIX trust
 * anchors), the subject and SAN required, and the CRL (its signature checked against the CA once, here). A pin
 * whose files cannot be read matches nothing and says why.
 */
final class CertificatePin {
    private final ClientCertificate spec;
    private final Set<String> fingerprints;
    private final Set<TrustAnchor> anchors;
    /** The pinned subject, compared exactly with the certificate's: {@link ClientCertificate#subjectAsMatched}. */
    private final String subject;
    /** The pinned SAN as it is matched: {@link ClientCertificate#sanAsMatched()}. */
    private final String san;

    private final X509CRL crl;
    private final String broken;

    private CertificatePin(ClientCertificate spec, Set<TrustAnchor> anchors, X509CRL crl, String broken) {
        this.spec = spec;
        this.fingerprints = Set.copyOf(spec.sha256());
        this.anchors = anchors;
        this.subject = spec.subjectAsMatched();
        this.san = spec.sanAsMatched();
        this.crl = crl;
        this.broken = broken;
    }

    /** Whether a certificate chain is this VM's. */
    sealed interface Match {
        record Yes() implements Match {}

        record No() implements Match {}

        /** It is this VM's certificate, but it must not be used: revoked, expired, not yet valid. */
        record Refused(String reason) implements Match {}
    }

    static CertificatePin of(ClientCertificate spec) {
        if (spec.ca() == null) {
            return new CertificatePin(spec, Set.of(), null, null);
        }
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : Pem.certificates(spec.ca())) {
                anchors.add(new TrustAnchor(ca, null));
            }
            X509CRL crl = spec.crl() == null ? null : crl(spec.crl(), anchors);
            return new CertificatePin(spec, anchors, crl, null);
        } catch (IOException | GeneralSecurityException e) {
            return new CertificatePin(spec, Set.of(), null, e.getMessage());
        }
    }

    Match match(List<X509Certificate> chain) {
        X509Certificate leaf = chain.getFirst();
        if (!fingerprints.isEmpty()) {
            return fingerprints.contains(Fingerprint.sha256(leaf)) ? valid(leaf) : new Match.No();
        }
        if (broken != null) {
            return new Match.No();
        }
        if (!namesMatch(leaf)) {
            return new Match.No();
        }
        if (!issuedByCa(chain, null)) {
            // PKIX refuses an expired certificate as it refuses a stranger's: the CA's chain at a moment it was all
            // valid is this VM's, expired (so recorded, not as no VM's; a connection open when it expires too).
            Date wasValid = latestNotBefore(chain);
            return issuedByCa(chain, wasValid) ? expired(chain) : new Match.No();
        }
        X509Certificate revoked = revokedIn(chain);
        if (revoked != null) {
            return new Match.Refused((revoked == leaf ? "certificate serial " : "issuing certificate serial ")
                    + revoked.getSerialNumber().toString(16) + " ("
                    + SubjectWord.of(revoked) + ") is revoked by " + spec.crl());
        }
        String notForClients = ClientUsage.refusal(leaf);
        if (notForClients != null) {
            return new Match.Refused(notForClients);
        }
        return valid(leaf);
    }

    /**
     * The first certificate of the chain the CRL revokes, or null: the leaf, and any intermediate CA the client
     * presented with it (PKIX, with revocation off, validated the path without the CRL: a revoked intermediate's
     * certificates passed).
     */
    private X509Certificate revokedIn(List<X509Certificate> chain) {
        if (crl == null) {
            return null;
        }
        return chain.stream().filter(crl::isRevoked).findFirst().orElse(null);
    }

    private boolean namesMatch(X509Certificate leaf) {
        if (subject != null && !subject.equals(leaf.getSubjectX500Principal().getName())) {
            return false;
        }
        return spec.san() == null || hasSan(leaf, san);
    }

    /** Whether the CA issued {@code chain}, valid {@code at} that moment (null: now). */
    private boolean issuedByCa(List<X509Certificate> chain, Date at) {
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!isAnchor(c)) {
                path.add(c);
            }
        }
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false); // the CRL of the policy is checked on its own, above
            params.setDate(at);
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private boolean isAnchor(X509Certificate c) {
        return anchors.stream().anyMatch(a -> a.getTrustedCert().equals(c));
    }

    private static Date latestNotBefore(List<X509Certificate> chain) {
        Date latest = chain.getFirst().getNotBefore();
        for (X509Certificate c : chain) {
            if (c.getNotBefore().after(latest)) {
                latest = c.getNotBefore();
            }
        }
        return latest;
    }

    /** The refusal of a chain the CA issued that is not valid now: its first certificate out of its validity. */
    private Match expired(List<X509Certificate> chain) {
        for (X509Certificate c : chain) {
            Match m = isAnchor(c) ? new Match.Yes() : valid(c);
            if (m instanceof Match.Refused r) {
                return c == chain.getFirst()
                        ? r
                        : new Match.Refused("issuing " + r.reason() + " (" + SubjectWord.of(c) + ")");
            }
        }
        return new Match.No(); // valid now, so refused by the CA for another reason
    }

    private static Match valid(X509Certificate leaf) {
        try {
            leaf.checkValidity();
            return new Match.Yes();
        } catch (CertificateExpiredException e) {
            return new Match.Refused(
                    "certificate expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            return new Match.Refused(
                    "certificate not valid before " + leaf.getNotBefore().toInstant());
        }
    }

    /**
     * Whether the certificate carries {@code wanted}, a SAN as {@link ClientCertificate#sanAsMatched(String)} reads it
     * (null: none can), read by the same function from the certificate's own.
     */
    private static boolean hasSan(X509Certificate leaf, String wanted) {
        if (wanted == null) {
            return false;
        }
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans == null) {
                return false;
            }
            for (List<?> san : sans) {
                String kind = switch ((Integer) san.get(0)) {
                    case 1 -> "email";
                    case 2 -> "DNS";
                    case 6 -> "URI";
                    case 7 -> "IP";
                    default -> null;
                };
                if (kind != null && wanted.equals(ClientCertificate.sanAsMatched(kind + ":" + san.get(1)))) {
                    return true;
                }
            }
            return false;
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The CRL, accepted only if one of the CA certificates signed it. */
    private static X509CRL crl(Path file, Set<TrustAnchor> anchors) throws IOException, GeneralSecurityException {
        X509CRL crl = Pem.crl(file);
        for (TrustAnchor a : anchors) {
            if (a.getTrustedCert().getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                crl.verify(a.getTrustedCert().getPublicKey());
                return crl;
            }
        }
        throw new GeneralSecurityException("CRL " + file + " is not issued by the CA "
                + anchors.iterator()
                        .next()
                        .getTrustedCert()
                        .getSubjectX500Principal()
                        .getName());
    }
}

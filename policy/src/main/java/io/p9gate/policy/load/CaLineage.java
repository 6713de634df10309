package io.p9gate.policy.load;

import io.p9gate.policy.model.ListenerSpec;
import io.p9gate.policy.model.PolicyFile;
import io.p9gate.policy.model.VmPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Which CAs stand above the CA certificates of a {@code ca} file, as far as the policy's own {@code ca} files show
 * them: a chain through a CA validates under a pin of any CA above it, so pins of the two can match one certificate.
 *
 * <p>A CA is its subject and public key, as PKIX finds an anchor by them: a CA certificate issued again (another
 * serial or validity, the same name and key) is the same CA. A CA above one that no {@code ca} file of the policy
 * holds is not seen: the gateway refuses a certificate that two VMs match as ambiguous when it is presented.
 */
final class CaLineage {
    /** Every certificate of every {@code ca} file of the policy. */
    private final List<X509Certificate> known;

    private CaLineage(List<X509Certificate> known) {
        this.known = known;
    }

    static CaLineage of(PolicyFile policy) {
        List<X509Certificate> known = new ArrayList<>();
        for (VmPolicy vm : policy.vms().values()) {
            if (vm.listen() instanceof ListenerSpec.Tls t && t.client().ca() != null) {
                known.addAll(certificates(t.client().ca()));
            }
        }
        return new CaLineage(known);
    }

    /** The CA certificates of a file; none when it cannot be read (it was read at parse: then it is its path). */
    static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (c instanceof X509Certificate x) out.add(x);
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            return List.of();
        }
    }

    /** A CA as PKIX finds it: its subject and public key. */
    static String identity(X509Certificate ca) {
        return ca.getSubjectX500Principal().getName() + " key "
                + HexFormat.of().formatHex(ca.getPublicKey().getEncoded());
    }

    /** The CAs of {@code cas} and every CA above them that signed a certificate on the way, as known certificates show. */
    Set<String> withIssuers(List<X509Certificate> cas) {
        Set<String> out = new HashSet<>();
        Deque<X509Certificate> todo = new ArrayDeque<>(cas);
        while (!todo.isEmpty()) {
            X509Certificate c = todo.pop();
            if (!out.add(identity(c))) continue;
            for (X509Certificate issuer : known) {
                if (issued(issuer, c)) todo.push(issuer);
            }
        }
        return out;
    }

    private static boolean issued(X509Certificate issuer, X509Certificate c) {
        if (!issuer.getSubjectX500Principal().equals(c.getIssuerX500Principal())
                || identity(issuer).equals(identity(c))) {
            return false;
        }
        try {
            c.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}

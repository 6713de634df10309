package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.BoundedWord;
import java.security.cert.X509Certificate;

/**
 * A certificate's subject as one word of a refusal's reason ({@link BoundedWord}): whoever reaches a
 * {@code tls:} listener chooses it, and written raw its spaces made words of the record, one reading
 * {@code certificate sha256 <another VM's fingerprint>} (identity.TlsPeerTextRecordWordsAttackTest). Bounded: a
 * self-signed subject of 120 attributes took 30 KB of its record, 64 distinct ones a second (identity.TlsRefusalRecordSizeAttackTest).
 */
final class SubjectWord {
    private SubjectWord() {}

    static String of(X509Certificate certificate) {
        return BoundedWord.of(certificate.getSubjectX500Principal().getName());
    }
}

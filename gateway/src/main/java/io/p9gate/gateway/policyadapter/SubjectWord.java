package io.p9gate.gateway.policyadapter;

import io.p9gate.audit.DetailWords;
import java.security.cert.X509Certificate;

/**
 * A certificate's subject as one word of a refusal's reason ({@link DetailWords#word}): whoever reaches a
 * {@code tls:} listener chooses it, and written raw its spaces made words of the record, one reading
 * {@code certificate sha256 <another VM's fingerprint>} (identity.TlsPeerTextRecordWordsAttackTest).
 */
final class SubjectWord {
    private SubjectWord() {}

    static String of(X509Certificate certificate) {
        return DetailWords.word(certificate.getSubjectX500Principal().getName());
    }
}

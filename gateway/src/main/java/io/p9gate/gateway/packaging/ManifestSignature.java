package io.p9gate.gateway.packaging;

import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.note.VerifierKey;
import java.util.List;

/**
 * {@code MANIFEST.sig}: a detached Ed25519 signature of the manifest, in the audit log's key and signature format
 * (C2SP signed note: the manifest is the note's body, this file its signature lines), so one tool and one kind
 * of key ({@code p9gate keys generate}) serve both. Ed25519 signatures are deterministic: signing the same
 * manifest with the same key gives the same file, and the package stays reproducible.
 */
final class ManifestSignature {
    static final String FILE = "MANIFEST.sig";

    private ManifestSignature() {}

    /** The signature lines of {@code manifest} signed by {@code key}. */
    static String sign(String manifest, SigningKey key) {
        String note = SignedNote.sign(manifest, key).format();
        return note.substring(manifest.length() + 1); // the note is body, blank line, signatures
    }

    /** Whether {@code signature} is a valid signature of {@code manifest} by one of {@code trusted}. */
    static SignedNote.Trust check(String manifest, String signature, List<VerifierKey> trusted)
            throws PackagingException {
        try {
            return SignedNote.parse(manifest + "\n" + signature).trust(trusted);
        } catch (NoteFormatException | IllegalArgumentException e) {
            throw new PackagingException("malformed manifest signature: " + e.getMessage(), e);
        }
    }
}

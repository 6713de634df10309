package io.p9gate.audit.verify;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.VerifierKey;
import java.util.List;

/**
 * A checkpoint whose signature verified with a trusted key, and where it came from: sidecar {@code line} (from 1),
 * or the pin. {@code noteText} is null once dropped (a note kept for a second pass keeps only what it compares).
 * {@code signers} are the trusted keys whose signatures on it verify.
 */
record TrustedCheckpoint(Checkpoint checkpoint, String noteText, int line, boolean pinned, List<VerifierKey> signers) {
    long size() {
        return checkpoint.size();
    }

    /** For messages. */
    String source() {
        return pinned ? "pinned checkpoint" : "checkpoints line " + line;
    }

    /** Sorts a pin after every sidecar note of its size, as it was read after them. */
    int order() {
        return pinned ? Integer.MAX_VALUE : line;
    }

    TrustedCheckpoint withoutText() {
        return new TrustedCheckpoint(checkpoint, null, line, pinned, signers);
    }
}

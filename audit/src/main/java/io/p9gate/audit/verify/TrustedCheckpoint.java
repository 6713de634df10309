package io.p9gate.audit.verify;

import io.p9gate.audit.note.Checkpoint;

/** A checkpoint whose signature verified with a trusted key, and where it came from (for messages). */
record TrustedCheckpoint(Checkpoint checkpoint, String noteText, String source, boolean pinned) {
    long size() {
        return checkpoint.size();
    }
}

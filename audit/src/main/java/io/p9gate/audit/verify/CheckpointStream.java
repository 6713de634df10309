package io.p9gate.audit.verify;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.NoteSignature;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The sidecar's notes read one at a time as the pass over the segments reaches their sizes: the verified ones are
 * handed out in file order, the others become findings. Nothing is kept per note (a busy gateway's sidecar gains
 * 86,400 notes a day and is never rotated; keeping each verified note ran the verifier out of memory).
 */
final class CheckpointStream implements Closeable {
    final FindingList findings = new FindingList();
    /** Sidecar lines but a torn last one, and how many of them verified with a trusted key. */
    int total;

    int verified;
    private final List<VerifierKey> keys;
    private final CheckpointStore.Entries entries;
    private TrustedCheckpoint next;
    private boolean done;

    /** @param limit how much of the sidecar to read: its size before the segments were listed */
    CheckpointStream(Path dir, long limit, List<VerifierKey> keys) throws IOException {
        this.keys = List.copyOf(keys);
        this.entries = CheckpointStore.entries(dir, limit);
    }

    /** The next verified note, without taking it; null after the last. */
    TrustedCheckpoint peek() throws IOException {
        while (next == null && !done) {
            CheckpointStore.Entry e = entries.next();
            if (e == null) {
                done = true;
            } else if (!e.torn()) { // a torn line is a crash while appending the note: its records are unanchored
                total++;
                String where = "checkpoints line " + e.line();
                next = e.noteText() == null
                        ? malformed(where, e.problem())
                        : check(e.noteText(), where, e.line(), false, keys, findings);
                if (next != null) {
                    verified++;
                }
            }
        }
        return next;
    }

    TrustedCheckpoint take() throws IOException {
        TrustedCheckpoint t = peek();
        next = null;
        return t;
    }

    private TrustedCheckpoint malformed(String where, String problem) {
        findings.add(new Finding.Malformed(where, problem));
        return null;
    }

    /** The checkpoint of a note when a trusted key's signature on it verifies; otherwise null and a finding. */
    static TrustedCheckpoint check(
            String text, String where, int line, boolean pinned, List<VerifierKey> keys, FindingList findings) {
        SignedNote note;
        Checkpoint cp;
        try {
            note = SignedNote.parse(text);
            cp = Checkpoint.parse(note.body());
        } catch (NoteFormatException e) {
            findings.add(new Finding.Malformed(where, e.getMessage()));
            return null;
        }
        // Each signature verified once: the keys that signed are what the checkpoint is trusted by.
        List<VerifierKey> signedBy = note.verifiedBy(keys);
        if (!signedBy.isEmpty()) {
            return new TrustedCheckpoint(cp, text, line, pinned, signedBy);
        }
        findings.add(
                note.namesAny(keys)
                        ? new Finding.BadSignature(where, signers(note).getFirst())
                        : new Finding.UnknownKey(where, cp.size(), signers(note)));
        return null;
    }

    /** The size of a well-formed note (signed by anyone), or -1. */
    static long size(CheckpointStore.Entry e) {
        if (e.torn() || e.noteText() == null) {
            return -1;
        }
        try {
            return Checkpoint.parse(SignedNote.parse(e.noteText()).body()).size();
        } catch (NoteFormatException ex) {
            return -1;
        }
    }

    private static List<String> signers(SignedNote note) {
        return note.signatures().stream().map(CheckpointStream::keyLabel).toList();
    }

    static String keyLabel(NoteSignature s) {
        return s.keyName() + "+" + String.format(Locale.ROOT, "%08x", s.keyHash());
    }

    @Override
    public void close() throws IOException {
        entries.close();
    }
}

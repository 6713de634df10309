package io.p9gate.audit.verify;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.NoteSignature;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checkpoints a verification works with: those from the sidecar and the pin that verify with a trusted key,
 * plus the sizes of every well-formed note (signed by anyone) to tell a deleted note from an unknown-key one.
 */
final class CheckpointSet {
    final List<TrustedCheckpoint> trusted = new ArrayList<>();
    final Set<Long> noteSizes = new HashSet<>();
    final FindingList findings = new FindingList();
    int total;
    private final List<VerifierKey> keys;

    CheckpointSet(List<VerifierKey> keys) {
        this.keys = List.copyOf(keys);
    }

    void addSidecar(List<CheckpointStore.Entry> entries) {
        for (CheckpointStore.Entry e : entries) {
            String where = "checkpoints line " + e.line();
            if (e.torn()) {
                continue; // a crash while appending the note; its records are simply unanchored
            }
            total++;
            if (e.noteText() == null) {
                findings.add(new Finding.Malformed(where, e.problem()));
                continue;
            }
            add(e.noteText(), where, false);
        }
    }

    void addPin(String noteText) {
        add(noteText, "pinned checkpoint", true);
    }

    private void add(String text, String where, boolean pinned) {
        SignedNote note;
        Checkpoint cp;
        try {
            note = SignedNote.parse(text);
            cp = Checkpoint.parse(note.body());
        } catch (NoteFormatException e) {
            findings.add(new Finding.Malformed(where, e.getMessage()));
            return;
        }
        if (!pinned) {
            noteSizes.add(cp.size());
        }
        switch (note.trust(keys)) {
            case VERIFIED -> trusted.add(new TrustedCheckpoint(cp, text, where, pinned));
            case BAD_SIGNATURE ->
                findings.add(new Finding.BadSignature(where, signers(note).getFirst()));
            case UNKNOWN_KEY -> findings.add(new Finding.UnknownKey(where, signers(note)));
        }
    }

    private static List<String> signers(SignedNote note) {
        return note.signatures().stream().map(CheckpointSet::keyLabel).toList();
    }

    Set<Long> sizes() {
        Set<Long> out = new HashSet<>();
        trusted.forEach(t -> out.add(t.size()));
        return out;
    }

    private static String keyLabel(NoteSignature s) {
        return s.keyName() + "+" + String.format(java.util.Locale.ROOT, "%08x", s.keyHash());
    }
}

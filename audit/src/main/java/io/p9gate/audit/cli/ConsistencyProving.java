package io.p9gate.audit.cli;

import io.p9gate.audit.CheckpointStore;
import io.p9gate.audit.Hashes;
import io.p9gate.audit.LeafHashes;
import io.p9gate.audit.MerkleProofs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.verify.FindingClass;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * {@code audit prove --consistency OLD NEW}: the consistency proof between the log's signed checkpoints of sizes OLD
 * and NEW, each one the stored records reproduce (and, with {@code --key}, signed by that key).
 */
final class ConsistencyProving {
    private final Path dir;
    private final List<VerifierKey> keys;
    private final LeafHashes leaves = new LeafHashes();
    private final Hashes hashes = new Hashes();

    /** @param keys the keys a checkpoint must be signed by; empty: any signed checkpoint */
    private ConsistencyProving(Path dir, List<VerifierKey> keys) {
        this.dir = dir;
        this.keys = keys;
    }

    static ConsistencyProof prove(Path dir, List<VerifierKey> keys, long old, long size) throws UserError, IOException {
        if (old < 1 || old >= size) {
            throw CliCommand.usage(
                    "--consistency needs two checkpoint sizes OLD < NEW, OLD at least 1, not " + old + " " + size);
        }
        ConsistencyProving proving = new ConsistencyProving(dir, keys);
        SegmentReader.forEachLine(dir, line -> {
            if (line.terminated()) {
                proving.leaves.add(proving.hashes.leaf(line.bytes(), 0, line.bytes().length));
            }
        });
        String oldNote = proving.checkpointOfSize(old);
        String newNote = proving.checkpointOfSize(size);
        return new ConsistencyProof(
                old, size, MerkleProofs.consistencyProof(proving.leaves, old, size), oldNote, newNote);
    }

    /**
     * The note of a signed checkpoint of this size whose root the stored records reproduce. The sidecar is read a
     * note at a time (it gains about 86,400 a day and is never rotated): only the note found is kept.
     */
    private String checkpointOfSize(long size) throws UserError, IOException {
        SignedSizes signed = new SignedSizes();
        try (CheckpointStore.Entries in = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                String note = matching(e, size, signed);
                if (note != null) {
                    return note;
                }
            }
        }
        throw new UserError(
                "no signed checkpoint of size " + size + " that the stored records reproduce"
                        + (signed.isEmpty() ? "" : " (signed sizes: " + signed.describe() + ")")
                        + "; run 'p9gate audit verify' if you expected one",
                FindingClass.IO_ERROR);
    }

    /** The entry's note when it is signed (by one of the keys), of this size and reproduced; its size is noted. */
    private String matching(CheckpointStore.Entry e, long size, SignedSizes signed) {
        try {
            SignedNote note = SignedNote.parse(e.noteText() == null ? "" : e.noteText());
            Checkpoint cp = Checkpoint.parse(note.body());
            if (!keys.isEmpty() && note.trust(keys) != SignedNote.Trust.VERIFIED) {
                return null;
            }
            signed.add(cp.size());
            boolean reproduced = cp.size() == size
                    && size <= leaves.size()
                    && MessageDigest.isEqual(MerkleProofs.subtreeRoot(hashes, leaves, 0, size), cp.root());
            return reproduced ? note.format() : null;
        } catch (NoteFormatException ignored) {
            return null; // not a usable checkpoint; 'audit verify' reports it
        }
    }
}

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
import java.util.TreeSet;

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

    /** The note of a signed checkpoint of this size whose root the stored records reproduce. */
    private String checkpointOfSize(long size) throws UserError, IOException {
        TreeSet<Long> signed = new TreeSet<>();
        for (CheckpointStore.Entry e : CheckpointStore.readAll(dir)) {
            try {
                SignedNote note = SignedNote.parse(e.noteText() == null ? "" : e.noteText());
                Checkpoint cp = Checkpoint.parse(note.body());
                if (!keys.isEmpty() && note.trust(keys) != SignedNote.Trust.VERIFIED) {
                    continue;
                }
                signed.add(cp.size());
                if (cp.size() == size
                        && size <= leaves.size()
                        && MessageDigest.isEqual(MerkleProofs.subtreeRoot(hashes, leaves, 0, size), cp.root())) {
                    return note.format();
                }
            } catch (NoteFormatException ignored) {
                // not a usable checkpoint; 'audit verify' reports it
            }
        }
        throw new UserError(
                "no signed checkpoint of size " + size + " that the stored records reproduce"
                        + (signed.isEmpty() ? "" : " (signed sizes: " + describe(signed) + ")")
                        + "; run 'p9gate audit verify' if you expected one",
                FindingClass.IO_ERROR);
    }

    /** The sizes, shortened to the first and last few when there are many. */
    private static String describe(TreeSet<Long> sizes) {
        List<Long> all = List.copyOf(sizes);
        if (all.size() <= 8) {
            return all.toString().replaceAll("[\\[\\]]", "");
        }
        return all.subList(0, 4).toString().replaceAll("[\\[\\]]", "") + ", …, "
                + all.subList(all.size() - 4, all.size()).toString().replaceAll("[\\[\\]]", "");
    }
}

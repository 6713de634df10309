package io.p9gate.audit.cli;

import io.p9gate.audit.Hashes;
import io.p9gate.audit.LeafHashes;
import io.p9gate.audit.MerkleProofs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.KeyFormatException;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import io.p9gate.audit.verify.FindingClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code p9gate audit prove SEQ}: an inclusion proof of one record against the newest signed checkpoint that
 * covers it and that the stored records actually reproduce. Recomputes from the stored leaves (offline tool).
 */
@Command(
        name = "prove",
        mixinStandardHelpOptions = true,
        // One line: 'p9gate audit --help' lists a command by the first line of its description.
        description = "Print an inclusion proof (JSON) of record SEQ against a signed checkpoint, or with "
                + "--consistency a proof that the signed checkpoint of size NEW extends the one of size OLD.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit prove 7 --log /var/lib/p9gate/audit --key audit.pub > record-7.proof.json",
            "  p9gate audit prove --consistency 1024 4096 --log /var/lib/p9gate/audit --key audit.pub > grew.proof.json",
            "  p9gate audit prove 1000000 --log DIR --progress > record-1000000.proof.json"
        })
final class ProveCommand extends CliCommand {
    @Mixin
    LogDirOption log;

    @Parameters(paramLabel = "SEQ", arity = "0..1", description = "Sequence number of the record.")
    Long seq;

    @Option(
            names = "--consistency",
            arity = "2",
            paramLabel = "SIZE",
            description = "OLD NEW: prove that the signed checkpoint of size NEW extends the one of size OLD.")
    List<Long> consistency;

    @Option(names = "--key", paramLabel = "PUB", description = "Only use checkpoints signed by this key.")
    Path keyFile;

    @Mixin
    ProgressOption progress;

    @Override
    int run() throws UserError, IOException {
        Path dir = log.holdingLog(); // a mistyped --log said "no record with seq N", exit 1
        if ((seq == null) == (consistency == null)) {
            throw badOption("name a record (SEQ) or two checkpoint sizes (--consistency OLD NEW), not "
                    + (seq == null ? "neither" : "both"));
        }
        if (consistency != null) {
            List<VerifierKey> keys = keyFile == null ? List.of() : readKeys(List.of(keyFile));
            out().println(ConsistencyProving.prove(dir, keys, consistency.get(0), consistency.get(1))
                    .toJson());
            return 0;
        }
        LeafHashes leaves = new LeafHashes();
        Hashes hashes = new Hashes();
        long[] index = {-1};
        byte[][] record = {null};
        List<Path> segments = LogDirectory.segments(dir);
        ProgressMeter meter = progressLine(progress, "reading");
        LineProgress reading = LineProgress.of(segments, meter);
        SegmentReader.forEachLine(segments, line -> {
            if (!line.terminated()) {
                return;
            }
            byte[] b = line.bytes();
            if (index[0] < 0 && LineHeader.parse(b).map(h -> h.seq() == seq).orElse(false)) {
                index[0] = leaves.size();
                record[0] = b;
            }
            leaves.add(hashes.leaf(b, 0, b.length));
            reading.read(line);
        });
        meter.done();
        if (index[0] < 0) {
            throw new UserError("no record with seq " + seq + " in " + dir, FindingClass.IO_ERROR);
        }
        CoveringNotes notes = new CoveringNotes(dir, key(), index[0], leaves.size());
        for (SignedNote note = notes.next(); note != null; note = notes.next()) {
            Checkpoint cp = parse(note);
            byte[] root = MerkleProofs.subtreeRoot(hashes, leaves, 0, cp.size());
            if (MessageDigest.isEqual(root, cp.root())) {
                InclusionProof proof = new InclusionProof(
                        index[0],
                        new String(record[0], StandardCharsets.US_ASCII),
                        cp.size(),
                        MerkleProofs.inclusionPath(leaves, index[0], cp.size()),
                        note.format());
                out().println(proof.toJson());
                return 0;
            }
        }
        throw new UserError(
                "record " + seq + " is not covered by a signed checkpoint that matches the log yet"
                        + " (a live log signs at least once a second; otherwise run 'p9gate audit verify')",
                FindingClass.IO_ERROR);
    }

    /** The key a checkpoint must be signed by (--key), or null for any. */
    private VerifierKey key() throws UserError, IOException {
        if (keyFile == null) {
            return null;
        }
        try {
            return KeyFiles.readVerifierKey(keyFile);
        } catch (KeyFormatException e) {
            throw badKey(e);
        }
    }

    private static Checkpoint parse(SignedNote note) throws UserError {
        try {
            return Checkpoint.parse(note.body());
        } catch (NoteFormatException e) {
            throw usage(e.getMessage());
        }
    }
}

package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.p9gate.audit.Hashes;
import io.p9gate.audit.MerkleProofs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.PrintableText;
import io.p9gate.audit.verify.FindingClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code p9gate audit check-proof FILE --key PUB}: checks a proof offline, with nothing but the public key. */
@Command(
        name = "check-proof",
        mixinStandardHelpOptions = true,
        description = "Check an inclusion or consistency proof offline against a trusted public key.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the record is in the signed log (inclusion), the newer checkpoint extends the older (consistency)",
            "1:the proof does not hold",
            "2:bad input",
            "9:a checkpoint is not signed by a trusted key",
            "10:a trusted key's signature does not verify"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit check-proof record-7.proof.json --key audit.pub",
            "  p9gate audit check-proof grew.proof.json --key audit.pub"
        })
final class CheckProofCommand extends CliCommand {
    private static final int INVALID = 1;

    @Parameters(paramLabel = "FILE", description = "Proof written by 'audit prove'.")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "PUB", description = "Trusted public key (repeatable).")
    List<Path> keyFiles = new ArrayList<>();

    @Override
    int run() throws UserError, IOException {
        List<VerifierKey> keys = readKeys(keyFiles);
        String proofText = text(file, "a proof", MAX_PROOF_BYTES);
        JsonNode document;
        try {
            document = ProofJson.read(proofText, InclusionProof.FORMAT, ConsistencyProof.FORMAT);
        } catch (UserError e) {
            throw usage(file + " is not a proof: " + e.getMessage());
        }
        if (ProofJson.format(document).equals(ConsistencyProof.FORMAT)) {
            return checkConsistency(ConsistencyProof.from(document), keys);
        }
        InclusionProof proof = InclusionProof.from(document);
        if (proof.record() == null || proof.checkpoint() == null) {
            throw usage("proof lacks its record or checkpoint");
        }
        Checkpoint cp = trusted("proof checkpoint", proof.checkpoint(), keys);
        byte[] line = proof.record().getBytes(StandardCharsets.US_ASCII);
        long claimedSeq = LineHeader.parse(line).map(LineHeader::seq).orElse(-1L);
        if (claimedSeq != proof.leafIndex()) {
            throw new UserError("record's seq " + claimedSeq + " is not its leaf index " + proof.leafIndex(), INVALID);
        }
        if (proof.treeSize() != cp.size()) {
            throw new UserError("proof is for size " + proof.treeSize() + ", checkpoint has " + cp.size(), INVALID);
        }
        byte[] leaf = new Hashes().leaf(line, 0, line.length);
        if (!MerkleProofs.verifyInclusion(leaf, proof.leafIndex(), cp.size(), proof.path(), cp.root())) {
            throw new UserError("audit path does not lead to the signed root", INVALID);
        }
        out().println("OK: record " + claimedSeq + " is in " + PrintableText.escape(cp.origin()) + " at size "
                + cp.size() + " (checkpoint of " + cp.time() + ")");
        return 0;
    }

    /** Both checkpoints' signatures first, then that they are one log's, in order, then the proof. */
    private int checkConsistency(ConsistencyProof proof, List<VerifierKey> keys) throws UserError {
        if (proof.oldCheckpoint() == null || proof.newCheckpoint() == null) {
            throw usage("proof lacks one of its checkpoints");
        }
        Checkpoint old = trusted("old checkpoint", proof.oldCheckpoint(), keys);
        Checkpoint now = trusted("new checkpoint", proof.newCheckpoint(), keys);
        if (!old.origin().equals(now.origin())) {
            throw new UserError(
                    "the checkpoints are of two logs: " + PrintableText.escape(old.origin()) + " and "
                            + PrintableText.escape(now.origin()),
                    INVALID);
        }
        if (old.size() >= now.size()) {
            throw new UserError(
                    "the old checkpoint (size " + old.size() + ") is not older than the new one (size " + now.size()
                            + "): checkpoints swapped?",
                    INVALID);
        }
        if (proof.oldSize() != old.size() || proof.newSize() != now.size()) {
            throw new UserError(
                    "proof is for sizes " + proof.oldSize() + " and " + proof.newSize() + ", the checkpoints have "
                            + old.size() + " and " + now.size(),
                    INVALID);
        }
        if (!MerkleProofs.verifyConsistency(old.size(), now.size(), old.root(), now.root(), proof.path())) {
            throw new UserError(
                    "consistency path does not lead from the old signed root to the new one: the checkpoint of size "
                            + now.size() + " does not show that the log of size " + old.size() + " only grew",
                    INVALID);
        }
        out().println("OK: " + PrintableText.escape(now.origin()) + " at size " + now.size() + " (checkpoint of "
                + now.time() + ") extends size " + old.size() + " (checkpoint of " + old.time()
                + "): the log only grew");
        return 0;
    }

    /** The checkpoint in {@code noteText}, once a trusted key's signature on it verifies. */
    private static Checkpoint trusted(String which, String noteText, List<VerifierKey> keys) throws UserError {
        SignedNote note;
        Checkpoint cp;
        try {
            note = SignedNote.parse(noteText);
            cp = Checkpoint.parse(note.body());
        } catch (NoteFormatException e) {
            throw new UserError(which + ": " + e.getMessage(), INVALID);
        }
        return switch (note.trust(keys)) {
            case VERIFIED -> cp;
            case UNKNOWN_KEY ->
                throw new UserError(
                        which + " (size " + cp.size() + ") is not signed by the key given (--key)",
                        FindingClass.UNKNOWN_KEY.exitCode());
            case BAD_SIGNATURE ->
                throw new UserError(
                        which + " (size " + cp.size() + "): the signature of the key given does not verify",
                        FindingClass.BAD_SIGNATURE.exitCode());
        };
    }
}

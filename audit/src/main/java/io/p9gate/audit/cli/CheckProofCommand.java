package io.p9gate.audit.cli;

import io.p9gate.audit.Hashes;
import io.p9gate.audit.MerkleProofs;
import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.read.LineHeader;
import io.p9gate.audit.read.PrintableText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        description = "Check an inclusion proof offline against a trusted public key.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the record is in the signed log", "1:the proof does not hold", "2:bad input"},
        footerHeading = "%nExamples:%n",
        footer = {"  p9gate audit check-proof record-7.proof.json --key audit.pub"})
final class CheckProofCommand extends CliCommand {
    private static final int INVALID = 1;

    @Parameters(paramLabel = "FILE", description = "Proof written by 'audit prove'.")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "PUB", description = "Trusted public key (repeatable).")
    List<Path> keyFiles = new ArrayList<>();

    @Override
    int run() throws UserError, IOException {
        List<VerifierKey> keys = readKeys(keyFiles);
        if (!Files.isRegularFile(file)) {
            throw usage("no such proof file: " + file);
        }
        InclusionProof proof;
        try {
            proof = InclusionProof.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (UserError e) {
            throw usage(file + " is not a proof: " + e.getMessage());
        }
        if (proof.record() == null || proof.checkpoint() == null) {
            throw usage("proof lacks its record or checkpoint");
        }
        SignedNote note;
        Checkpoint cp;
        try {
            note = SignedNote.parse(proof.checkpoint());
            cp = Checkpoint.parse(note.body());
        } catch (NoteFormatException e) {
            throw new UserError("proof checkpoint: " + e.getMessage(), INVALID);
        }
        SignedNote.Trust trust = note.trust(keys);
        if (trust != SignedNote.Trust.VERIFIED) {
            throw new UserError(
                    "checkpoint signature: " + trust.name().toLowerCase().replace('_', ' '), INVALID);
        }
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
}

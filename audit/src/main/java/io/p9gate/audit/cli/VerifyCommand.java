package io.p9gate.audit.cli;

import io.p9gate.audit.note.Checkpoint;
import io.p9gate.audit.note.NoteFormatException;
import io.p9gate.audit.note.SignedNote;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.verify.FindingClass;
import io.p9gate.audit.verify.VerificationReport;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code p9gate audit verify}: exit 0 when the log is intact, else the code of the worst finding class. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = "Check records, chain, Merkle checkpoints and signatures; exit code says what was found.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:intact (an unanchored crash tail is reported, not an error)",
            "1:log unreadable",
            "2:bad input",
            "3:modified",
            "4:inserted",
            "5:deleted",
            "6:reordered",
            "7:truncated",
            "8:fork",
            "9:unknown key, or a key that may not sign those records (retired by a key change)",
            "10:bad signature",
            "11:malformed",
            "70:out of memory: no verdict (run it again with a larger heap)"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit verify --log /var/lib/p9gate/audit --key /etc/p9gate/audit.pub",
            "  p9gate audit verify --log DIR --key old.pub --key new.pub --pin last.pin --save-pin last.pin --progress"
        })
final class VerifyCommand extends CliCommand {
    @Mixin
    LogDirOption log;

    @Option(
            names = "--key",
            required = true,
            paramLabel = "PUB",
            description = "Trusted public key file (repeat for rotated keys).")
    List<Path> keyFiles = new ArrayList<>();

    @Option(
            names = "--pin",
            paramLabel = "FILE",
            description = "Signed checkpoint saved earlier; the log must still contain it.")
    Path pin;

    @Option(
            names = "--save-pin",
            paramLabel = "FILE",
            description = "When intact, write the newest verified checkpoint here (pin it next time).")
    Path savePin;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Mixin
    ProgressOption progress;

    private static final String SAVE_PIN_IS = "--save-pin names the pin's file";

    @Override
    int run() throws UserError, IOException {
        List<VerifierKey> keys = readKeys(keyFiles);
        String pinText = null;
        if (pin != null) {
            pinText = text(pin, "a pin file", MAX_PIN_BYTES);
            try {
                // The reviewer's own file, not the log: one that is no checkpoint at all read as a TAMPERED log.
                Checkpoint.parse(SignedNote.parse(pinText).body());
            } catch (NoteFormatException e) {
                throw usage(pin + " is not a pin file: " + e.getMessage() + " (--save-pin writes them)");
            }
        }
        if (savePin != null) {
            PartialFile.checkWritable(savePin, SAVE_PIN_IS);
        }
        ProgressMeter meter = progressLine(progress, "verifying");
        // With a pin, an empty directory is for the verifier, which reports the records the pin says were there.
        Path dir = pinText == null ? log.holdingLog() : log.existing();
        VerificationReport report = new Verifier(keys, pinText, meter).verify(dir);
        meter.done();
        out().print(json ? report.toJson() + "\n" : report.summary());
        if (savePin != null && report.ok() && report.newestNote() != null) {
            // The reviewer's trust anchor: a new file renamed onto its name, never written through a link there.
            try (PartialFile file = PartialFile.create(savePin, SAVE_PIN_IS)) {
                file.write(report.newestNote());
                file.commit();
            }
        }
        return report.exitCode() == FindingClass.OK ? 0 : report.exitCode();
    }
}

package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.p9gate.audit.note.VerifierKey;
import io.p9gate.audit.verify.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code p9gate audit report --html FILE}: the log verified and summed up on one page an auditor can keep
 * ({@link AuditReportPage}). The page is written whatever the verdict; the exit code is {@code verify}'s, so a
 * script that files reports cannot miss a log that did not verify.
 */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Write one self-contained HTML page: verification result, records, time range, checkpoints,"
                + " requests by VM, op, errno and rule, top denied paths. Exit code as 'verify'.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit report --html audit-2026-05.html --log /var/lib/p9gate/audit --key /etc/p9gate/audit.pub",
            "  p9gate audit report --html report.html --log DIR --key old.pub --key new.pub --top 25"
        })
final class ReportCommand extends CliCommand {
    @Mixin
    LogDirOption log;

    @Option(names = "--html", required = true, paramLabel = "FILE", description = "The page to write.")
    Path html;

    @Option(
            names = "--key",
            paramLabel = "PUB",
            description = "Trusted public key file (repeat for rotated keys). Without one the page says the log"
                    + " was not verified.")
    List<Path> keyFiles = new ArrayList<>();

    @Mixin
    TopOption top;

    @Mixin
    ProgressOption progress;

    private static final String HTML_IS = "--html names the page's file";

    @Override
    int run() throws UserError, IOException {
        int top = this.top.checked();
        Path dir = log.holdingLog();
        List<VerifierKey> keys = readKeys(keyFiles);
        PartialFile.checkWritable(html, HTML_IS);
        ProgressMeter verifying = progressLine(progress, "verifying");
        ReportVerdict verdict = keys.isEmpty()
                ? ReportVerdict.withoutKey()
                : ReportVerdict.of(new Verifier(keys, null, verifying).verify(dir));
        verifying.done();
        ProgressMeter summing = progressLine(progress, "summing up");
        LogStatistics stats = LogStatistics.read(dir, this::parsed, r -> true, summing);
        summing.done();
        String page = AuditReportPage.of(dir, Instant.now(), verdict, stats.json(new ObjectMapper(), top));
        try (PartialFile file = PartialFile.create(html, HTML_IS)) {
            file.write(page);
            file.commit();
        }
        if (verdict.exitCode() != 0) {
            warning("the log did not verify (" + verdict.headline() + "); " + html + " says why");
        }
        return verdict.exitCode();
    }
}

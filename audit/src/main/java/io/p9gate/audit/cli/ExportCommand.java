package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code p9gate audit export}: records as RFC 5424 syslog lines or as the stored JSON Lines. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Export (filtered) records as RFC 5424 syslog lines or JSON Lines.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit export --log /var/lib/p9gate/audit --format rfc5424 --hostname ecu-a | logger --rfc5424",
            "  p9gate audit export --log DIR --format jsonl --since 2026-05-01T00:00:00Z > may.jsonl"
        })
final class ExportCommand extends CliCommand {
    enum Format {
        rfc5424,
        jsonl
    }

    @Mixin
    LogDirOption log;

    @Mixin
    RecordFilter filter;

    @Option(names = "--format", required = true, description = "rfc5424 or jsonl.")
    Format format;

    @Mixin
    ProgressOption progress;

    @Option(names = "--hostname", description = "HOSTNAME field of syslog lines. Default: ${DEFAULT-VALUE}.")
    String hostname = "-";

    @Override
    int run() throws UserError, IOException {
        filter.compile(Instant.now());
        if (hostname.isEmpty() || hostname.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw badOption("--hostname must be printable ASCII without spaces");
        }
        Path dir = log.existing();
        ProgressMeter meter = progress.meter("exporting", err());
        LineProgress reading = LineProgress.of(dir, meter);
        new LogTail(dir).poll(line -> {
            reading.read(line);
            return export(line);
        });
        meter.done();
        out().flush();
        return 0;
    }

    /** Exports the line if it passes the filters; false once nobody reads the output any more. */
    private boolean export(StoredLine line) {
        AuditRecord r = parsed(line);
        if (r == null || !filter.test(r)) {
            return true;
        }
        out().println(
                        switch (format) {
                            case rfc5424 -> Rfc5424.format(r, line.bytes(), hostname);
                            case jsonl -> new String(line.bytes(), StandardCharsets.US_ASCII);
                        });
        return !out().checkError();
    }
}

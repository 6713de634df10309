package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
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
            "  p9gate audit export --log DIR --format jsonl --since 2026-05-01T00:00:00Z --output may.jsonl"
        })
final class ExportCommand extends CliCommand {
    enum Format {
        rfc5424,
        jsonl
    }

    /**
     * How long a stop waits for the export to finish: long enough for the last lines and a file's rename, within
     * the two seconds the stop gives all cleanups.
     */
    private static final Duration FINISH_WAIT = Duration.ofSeconds(1);

    @Mixin
    LogDirOption log;

    @Mixin
    RecordFilter filter;

    @Option(names = "--format", required = true, description = "rfc5424 or jsonl.")
    Format format;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write to FILE, which appears (or replaces the old one) only once the export is complete:"
                    + " an interrupted export leaves FILE as it was. Default: standard output.")
    Path output;

    @Mixin
    ProgressOption progress;

    @Option(names = "--hostname", description = "HOSTNAME field of syslog lines. Default: ${DEFAULT-VALUE}.")
    String hostname = "-";

    private static final String OUTPUT_IS = "--output names a file";

    @Override
    int run() throws UserError, IOException {
        filter.compile(Instant.now());
        if (hostname.isEmpty() || hostname.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw badOption("--hostname must be printable ASCII without spaces");
        }
        Path dir = log.holdingLog();
        if (output != null) {
            PartialFile.checkWritable(output, OUTPUT_IS);
            if (Files.isSameFile(output.toAbsolutePath().getParent(), dir)) {
                // The export would stand beside (or replace) the segments it reads.
                throw badOption("--output must name a file outside the log directory " + dir);
            }
        }
        ProgressMeter meter = progressLine(progress, "exporting");
        LineProgress reading = LineProgress.of(dir, meter);
        ExportEnd end = new ExportEnd();
        try (PartialFile file = output == null ? null : PartialFile.create(output, OUTPUT_IS)) {
            Interruption.Cleanup ifStopped = Interruption.onShutdown(() -> stopped(meter, file, end));
            try {
                Predicate<String> sink = file == null
                        ? this::toStandardOutput
                        : line -> {
                            file.write(line + "\n");
                            return true;
                        };
                new LogTail(dir).poll(line -> {
                    reading.read(line);
                    return end.mayWrite() && export(line, sink);
                });
                if (!end.cutShort()) {
                    // A refused line left a partial export: it is never put under the file's name.
                    if (file != null) {
                        file.commit();
                    }
                    out().flush();
                    end.whole();
                }
            } finally {
                end.ended();
                ifStopped.close();
                meter.done();
            }
        }
        return 0;
    }

    /** Exports the line if it passes the filters; false once nobody reads the output any more. */
    private boolean export(StoredLine line, Predicate<String> sink) {
        AuditRecord r = parsed(line);
        if (r == null || !filter.test(r)) {
            return true;
        }
        return sink.test(
                switch (format) {
                    case rfc5424 -> Rfc5424.format(r, line.bytes(), hostname);
                    case jsonl -> new String(line.bytes(), StandardCharsets.US_ASCII);
                });
    }

    /** Prints the line; false once nobody reads standard output any more ({@code | head}). */
    private boolean toStandardOutput(String line) {
        out().println(line);
        return !out().checkError();
    }

    /**
     * Stopped (Ctrl-C, SIGTERM) before the end: what was written to standard output looks like a complete export
     * (whole records), so one line says it is not; a file is deleted, its name left as it was. An export that
     * finishes while the stop waits for it is whole, and nothing is said.
     */
    private void stopped(ProgressMeter meter, PartialFile file, ExportEnd end) {
        if (end.wholeAfterStop(FINISH_WAIT)) {
            return;
        }
        String where = "interrupted at " + meter.reached() + ": ";
        if (file == null) {
            warning(where + "the output is incomplete");
        } else if (file.abandon()) {
            warning(where + output + " is left as it was");
        }
        err().flush();
    }
}

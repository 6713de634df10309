package io.p9gate.audit.cli;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.StoredLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code p9gate audit show}: filtered records as a table or as the stored JSON lines, optionally following. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "List records, filtered; --follow for a live log.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit show --log /var/lib/p9gate/audit --vm infotainment --decision refused --since 2h",
            "  p9gate audit show --log DIR --errno EDQUOT --path '/cache/**' --format json",
            "  p9gate audit show --log DIR --follow",
            "  p9gate audit show --log DIR --vm infotainment --errno EDQUOT --progress"
        })
final class ShowCommand extends CliCommand {
    enum Format {
        table,
        /** One line per record, every field as name=value ({@link RecordFields}). */
        fields,
        json
    }

    @Mixin
    LogDirOption log;

    @Mixin
    RecordFilter filter;

    @Option(
            names = "--format",
            description = "table, fields (every field as name=value, one line per record) or json (the stored lines)."
                    + " Default: ${DEFAULT-VALUE}.")
    Format format = Format.table;

    @Option(names = "--follow", description = "Keep printing new records until interrupted.")
    boolean follow;

    @Option(names = "--poll-ms", hidden = true, description = "Follow poll interval.")
    long pollMs = 200;

    @Mixin
    ProgressOption progress;

    /** The progress line while the log there was at the start is read (not while following it). */
    private ProgressMeter meter;

    private LineProgress reading;

    /**
     * Records from this seq on are covered by no checkpoint in the sidecar ({@link UnsignedTail}); past every record
     * when the sidecar could not be read (nothing is marked then, and a warning says so).
     */
    private long signed;

    /** Whether {@link #signed} was read from the sidecar. */
    private boolean tailKnown;

    /** How many records the log holds, as far as read: one past the largest seq seen, filtered or not. */
    private long held;

    /** How many of the records shown are at or after {@link #signed}. */
    private long unsigned;

    @Override
    int run() throws UserError, IOException {
        // --follow may be started before the gateway's first record; a plain review of no log is a mistyped --log.
        Path dir = follow ? log.existing() : log.holdingLog();
        filter.compile(Instant.now());
        // Read before the records: a checkpoint signed meanwhile leaves its records marked, never the reverse.
        readSignedSize(dir);
        if (format == Format.table) {
            RecordTable.header(out());
        }
        LogTail tail = new LogTail(dir, this::warning);
        meter = progressLine(progress, "reading");
        reading = LineProgress.of(dir, meter);
        try {
            tail.poll(this::print);
        } finally {
            meter.done();
        }
        if (tailKnown && signed > held && !out().checkError()) {
            claimTooLarge();
        }
        while (follow && !out().checkError() && !Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(pollMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            tail.poll(this::print);
        }
        if (unsigned > 0 && !follow && !out().checkError()) {
            switch (format) {
                case table, fields -> out().println("-- " + UnsignedTail.trailer(unsigned, signed) + " --");
                case json -> warning(UnsignedTail.jsonTrailer(unsigned, signed));
            }
        }
        return 0;
    }

    /**
     * The boundary, from the sidecar's end. A sidecar that cannot be read (a directory, a FIFO, no permission)
     * does not stop show: the records are what the reviewer asked for; what is unknown is said on stderr.
     */
    private void readSignedSize(Path dir) {
        try {
            signed = UnsignedTail.signedSize(dir);
            tailKnown = true;
        } catch (IOException e) {
            signed = Long.MAX_VALUE;
            warning("which records no checkpoint covers is not known: "
                    + (e instanceof AccessDeniedException ? "checkpoints.jsonl: permission denied" : e.getMessage())
                    + "; run p9gate audit verify");
        }
    }

    /** Prints the line if it passes the filters; false once nobody reads the output any more ({@code | head}). */
    private boolean print(StoredLine line) {
        reading.read(line);
        AuditRecord r = parsed(line);
        if (r == null) {
            return true;
        }
        // One past the largest seq there is overflows: such a record is counted as held all the same.
        held = Math.max(held, r.seq() == Long.MAX_VALUE ? r.seq() : r.seq() + 1);
        if (!filter.test(r)) {
            return true;
        }
        meter.clear();
        if (r.seq() >= signed && unsigned++ == 0) {
            markBoundary();
        }
        switch (format) {
            case table -> RecordTable.row(out(), r);
            case fields -> RecordFields.line(out(), r);
            case json -> out().println(new String(line.bytes(), StandardCharsets.US_ASCII));
        }
        return !out().checkError();
    }

    /**
     * A note claims more records than the log holds: said where the count would be, and capped, so that records
     * {@code --follow} prints later are marked.
     */
    private void claimTooLarge() {
        String claim = UnsignedTail.claimTooLarge(signed, held);
        switch (format) {
            case table, fields -> out().println("-- " + claim + " --");
            case json -> warning(claim);
        }
        signed = held;
    }

    /**
     * Before the first record no signature covers: a line in the table; under {@code --follow --format json}, whose
     * standard output stays the stored lines, a warning on stderr (without {@code --follow} the count says it).
     */
    private void markBoundary() {
        if (format != Format.json) {
            out().println("-- " + UnsignedTail.boundary(signed) + " --");
        } else if (follow) {
            warning(UnsignedTail.boundary(signed));
        }
    }
}

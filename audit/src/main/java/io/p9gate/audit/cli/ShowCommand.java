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

/** {@code p9gate audit show}: filtered records as a table or as the stored JSON lines, optionally following. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "List records, filtered; --follow for a live log.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit show --log /var/lib/p9gate/audit --vm infotainment --decision refused --since 2h",
            "  p9gate audit show --log DIR --errno EDQUOT --path '/cache/**' --format json",
            "  p9gate audit show --log DIR --follow"
        })
final class ShowCommand extends CliCommand {
    enum Format {
        table,
        json
    }

    @Mixin
    LogDirOption log;

    @Mixin
    RecordFilter filter;

    @Option(names = "--format", description = "table or json (the stored lines). Default: ${DEFAULT-VALUE}.")
    Format format = Format.table;

    @Option(names = "--follow", description = "Keep printing new records until interrupted.")
    boolean follow;

    @Option(names = "--poll-ms", hidden = true, description = "Follow poll interval.")
    long pollMs = 200;

    @Override
    int run() throws UserError, IOException {
        Path dir = log.existing();
        filter.compile(Instant.now());
        if (format == Format.table) {
            RecordTable.header(out());
        }
        LogTail tail = new LogTail(dir);
        tail.poll(this::print);
        while (follow && !out().checkError() && !Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(pollMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            tail.poll(this::print);
        }
        return 0;
    }

    /** Prints the line if it passes the filters; false once nobody reads the output any more ({@code | head}). */
    private boolean print(StoredLine line) {
        AuditRecord r = parsed(line);
        if (r == null || !filter.test(r)) {
            return true;
        }
        switch (format) {
            case table -> RecordTable.row(out(), r);
            case json -> out().println(new String(line.bytes(), StandardCharsets.US_ASCII));
        }
        return !out().checkError();
    }
}

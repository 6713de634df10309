package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code p9gate audit stats}: a log summed up (the records the filters select), as text or JSON. */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = "Sum up records: decisions by VM, op, errno and rule, top denied paths, time range, checkpoints.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate audit stats --log /var/lib/p9gate/audit",
            "  p9gate audit stats --log DIR --vm infotainment --since 24h --format json --top 20",
            "  p9gate audit stats --log DIR --progress > stats.txt"
        })
final class StatsCommand extends CliCommand {
    enum Format {
        text,
        json
    }

    @Mixin
    LogDirOption log;

    @Mixin
    RecordFilter filter;

    @Option(names = "--format", description = "text or json. Default: ${DEFAULT-VALUE}.")
    Format format = Format.text;

    @Mixin
    TopOption top;

    @Mixin
    ProgressOption progress;

    @Override
    int run() throws UserError, IOException {
        int top = this.top.checked();
        filter.compile(Instant.now());
        Path dir = log.holdingLog();
        ProgressMeter meter = progressLine(progress, "summing up");
        LogStatistics stats = LogStatistics.read(dir, this::parsed, filter::test, meter);
        meter.done();
        switch (format) {
            case text -> stats.text(out(), top);
            case json -> {
                // Paths and VM names are guests' (or a doctored log's): escaped for the terminal.
                ObjectMapper json = TerminalJson.mapper();
                out().println(json.writeValueAsString(stats.json(json, top)));
            }
        }
        return 0;
    }
}

package io.p9gate.gateway.cli;

import io.p9gate.gateway.metrics.MetricsAddress;
import io.p9gate.gateway.metrics.MetricsScrape;
import io.p9gate.gateway.metrics.StatusTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code p9gate status}: a running gateway's metrics ({@code serve --metrics}) as a short table. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Print a running gateway's metrics (serve --metrics) per VM: sessions, requests, denials, "
                + "errors, budget refusals, bytes read and written, and the audit log's appends.")
final class StatusCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--metrics",
            paramLabel = "unix:PATH|tcp:HOST:PORT",
            description = "The gateway's metrics endpoint (default: ${DEFAULT-VALUE}).")
    String metrics = MetricsAddress.PACKAGED; // where the packaged unit serves them

    @Override
    public Integer call() throws IOException {
        MetricsAddress address;
        try {
            address = MetricsAddress.parse(metrics);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(StatusTable.render(MetricsScrape.from(address)));
        out.flush();
        return 0;
    }
}

package io.p9gate.policy.cli;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyTestFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * {@code policy test FILE}: runs a policy's test file (decision, id-map and quota cases); exit 1 on any
 * mismatch, and on any case that names a VM, share or path the policy does not have.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Run policy tests: requests with their expected decisions, id mappings, quota limits.")
final class TestCommand extends Subcommand {

    @Option(names = "--verbose", description = "list passing cases too, with what decided them") boolean verbose;

    @Option(names = "--format", paramLabel = "text|junit|json", description = "output format (default: text)")
    String format = "text";

    @Override int run(CommandLine cmd) {
        TestReports report;
        try {
            report = TestReports.parse(format);
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage());
        }
        PolicyTestFile tests;
        try {
            tests = PolicyTestFile.read(file);
        } catch (PolicyLoadException e) {
            cmd.getErr().println(e.pos() + ": error: " + e.reason());
            return Loading.INVALID;
        }
        PolicyEngine engine = Loading.engine(cmd, tests.policy());
        if (engine == null) return Loading.INVALID;
        List<TestOutcome> outcomes = PolicyTestRun.run(engine, tests);
        cmd.getOut().print(report.render(file, outcomes, verbose));
        cmd.getOut().flush();
        boolean ok = outcomes.stream().allMatch(o -> o.status() == TestOutcome.Status.PASSED);
        return ok ? 0 : Loading.INVALID;
    }
}

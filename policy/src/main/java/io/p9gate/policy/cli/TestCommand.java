package io.p9gate.policy.cli;

import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyTestFile;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code policy test FILE}: runs a policy's test file (decision, id-map and quota cases); exit 1 on any
 * mismatch, and on any case that names a VM, share or path the policy does not have.
 */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        description = "Run policy tests: requests with their expected decisions, id mappings, quota limits.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate policy test policies/infotainment.tests.yaml",
            "  p9gate policy test --format junit policies/infotainment.tests.yaml > TEST-policy.xml"
        })
final class TestCommand extends Subcommand {

    @Parameters(paramLabel = "FILE", arity = "1", description = "the policy test file (it names its policy)")
    Path file;

    @Option(names = "--verbose", description = "list passing cases too, with what decided them")
    boolean verbose;

    @Option(names = "--format", paramLabel = "text|junit|json", description = "output format (default: text)")
    String format = "text";

    @Override
    int run(CommandLine cmd) {
        TestReports report;
        try {
            report = TestReports.parse(format);
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage());
        }
        if (refusedAsNoFile(file)) return USAGE;
        PolicyTestFile tests;
        try {
            tests = PolicyTestFile.read(file);
        } catch (PolicyLoadException e) {
            error(e.pos() + ": " + e.reason());
            return Loading.INVALID;
        }
        PolicyEngine engine = Loading.engine(this, tests.policy());
        if (engine == null) return Loading.INVALID;
        List<TestOutcome> outcomes = PolicyTestRun.run(engine, tests);
        cmd.getOut().print(report.render(file, outcomes, verbose));
        cmd.getOut().flush();
        boolean ok = outcomes.stream().allMatch(o -> o.status() == TestOutcome.Status.PASSED);
        return ok ? 0 : Loading.INVALID;
    }
}

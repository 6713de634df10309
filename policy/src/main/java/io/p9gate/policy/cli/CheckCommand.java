package io.p9gate.policy.cli;

import io.p9gate.audit.read.PrintableText;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.lint.LintFinding;
import io.p9gate.policy.lint.Linter;
import io.p9gate.policy.lint.SandboxHiddenPaths;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code policy check FILE}: validates (as the gateway would load it) and lints. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Validate a policy file and warn about rules that cannot do what they seem to.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  p9gate policy check policies/infotainment.yaml",
            "  p9gate policy check --strict /etc/p9gate/policy.yaml   # warnings fail too"
        })
final class CheckCommand extends Subcommand {

    @Mixin
    PolicyFileParameter policyFile;

    @Option(names = "--strict", description = "treat warnings as errors")
    boolean strict;

    @Override
    int run(CommandLine cmd) {
        if (refusedAsNoFile(policyFile.file)) return USAGE;
        PolicyEngine engine = Loading.engine(this, policyFile.file);
        if (engine == null) return Loading.INVALID;
        List<LintFinding> findings = Linter.lint(engine.policy());
        // Paths the packaged unit's sandbox hides: warned of as package does, not failing --strict (nor package),
        // since the operator may change the unit.
        List<LintFinding> hidden = SandboxHiddenPaths.in(engine.policy());
        // A finding and the summary quote the file (its image, its directories): escaped for the terminal.
        Stream.concat(findings.stream(), hidden.stream())
                .forEach(f -> cmd.getOut().println(PrintableText.escape(f.toString())));
        int vms = engine.policy().vms().size();
        long shares = engine.policy().vms().values().stream()
                .mapToLong(v -> v.shares().size())
                .sum();
        boolean fails = strict && !findings.isEmpty();
        cmd.getOut()
                .println(PrintableText.escape(String.format(
                        "%s: %s: image %s, %d VMs, %d shares, %d rules, %d warnings, %s path",
                        policyFile.file,
                        fails ? "fails --strict" : "ok",
                        engine.policy().image(),
                        vms,
                        shares,
                        engine.rules().size(),
                        findings.size() + hidden.size(),
                        engine.usesFastPath() ? "fast" : "Cedar-only (hand-written policies)")));
        return fails ? Loading.INVALID : 0;
    }
}

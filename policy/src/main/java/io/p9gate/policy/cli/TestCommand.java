package io.p9gate.policy.cli;

import io.p9gate.policy.Decision;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.load.PolicyLoadException;
import io.p9gate.policy.load.PolicyTestCase;
import io.p9gate.policy.load.PolicyTestFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;


/** {@code policy test FILE}: runs a policy's unit tests; non-zero exit on any mismatch. */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Run policy tests: requests with their expected decisions.")
final class TestCommand extends Subcommand {

    @Override int run(CommandLine cmd) {
        PolicyTestFile tests;
        try {
            tests = PolicyTestFile.read(file);
        } catch (PolicyLoadException e) {
            cmd.getErr().println(e.pos() + ": error: " + e.reason());
            return Loading.INVALID;
        }
        PolicyEngine engine = Loading.engine(cmd, tests.policy());
        if (engine == null) return Loading.INVALID;
        int failed = 0;
        for (PolicyTestCase c : tests.cases()) {
            Decision d = engine.decide(c.request());
            Decision reference = engine.decideWithCedar(c.request());
            String problem = mismatch(c, d);
            if (problem == null && !d.equals(reference)) problem = "fast path " + d + " differs from Cedar " + reference;
            if (problem != null) {
                failed++;
                cmd.getOut().println(c.pos() + ": FAIL " + c.name() + ": " + problem);
            }
        }
        cmd.getOut().printf("%s: %d cases, %d passed, %d failed%n", file, tests.cases().size(), tests.cases().size() - failed, failed);
        return failed == 0 ? 0 : Loading.INVALID;
    }

    /** Null if the decision is what the case expects, otherwise what went wrong. */
    private static String mismatch(PolicyTestCase c, Decision d) {
        boolean outcomeOk = switch (c.expect()) {
            case "allow" -> d.allowed();
            case "deny" -> !d.allowed();
            default -> c.expect().equals(d.errno());
        };
        if (!outcomeOk) return "expected " + c.expect() + ", got " + d.outcome() + describeRules(d);
        if (c.by() != null && !d.ruleIds().contains(c.by())) return "expected rule " + c.by() + ", decided by " + d.ruleIds();
        return null;
    }

    private static String describeRules(Decision d) {
        return d.ruleIds().isEmpty() ? (d.allowed() ? "" : " (default deny)") : " by " + String.join(", ", d.ruleIds());
    }
}

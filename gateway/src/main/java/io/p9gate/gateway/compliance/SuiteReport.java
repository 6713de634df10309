package io.p9gate.gateway.compliance;

import io.p9gate.audit.read.PrintableText;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The outcome of one run: what was checked against which policy and gateway, and every check's result; what an
 * assessor files for the ECU image.
 */
public record SuiteReport(
        Path policy, String image, String policySha256, String gatewayVersion, Instant date, List<CheckResult> checks) {
    /** Every check passed. */
    public static final int EXIT_PASSED = 0;
    /** At least one check failed. */
    public static final int EXIT_FAILED = 1;
    /** None failed, but some could not run: the assessment is incomplete. */
    public static final int EXIT_INCOMPLETE = 3;

    public SuiteReport {
        checks = List.copyOf(checks);
    }

    public long count(Status status) {
        return checks.stream().filter(c -> c.status() == status).count();
    }

    /** 0 only if every check passed; 1 if any failed; 3 if none failed but some were skipped. */
    public int exitCode() {
        if (count(Status.FAILED) > 0) {
            return EXIT_FAILED;
        }
        return count(Status.SKIPPED) > 0 ? EXIT_INCOMPLETE : EXIT_PASSED;
    }

    /** Checks grouped by VM ("gateway" for those about the gateway as a whole), in the order they ran. */
    public Map<String, List<CheckResult>> byVm() {
        return group(c -> c.vm() == null ? "gateway" : c.vm(), new LinkedHashMap<>());
    }

    /** Checks grouped by requirement, R-… in order. */
    public Map<String, List<CheckResult>> byRequirement() {
        return group(CheckResult::requirement, new TreeMap<>());
    }

    private Map<String, List<CheckResult>> group(
            Function<CheckResult, String> key, Map<String, List<CheckResult>> out) {
        for (CheckResult c : checks) {
            out.computeIfAbsent(key.apply(c), k -> new ArrayList<>()).add(c);
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return out;
    }

    /** Failed checks' ids with their requirement, one line each, for the console. */
    public List<String> failures() {
        return checks.stream()
                .filter(c -> c.status() == Status.FAILED)
                .map(c -> PrintableText.escape(c.requirement() + " " + c.id() + ": " + c.title())) // as CheckLog.line
                .toList();
    }
}

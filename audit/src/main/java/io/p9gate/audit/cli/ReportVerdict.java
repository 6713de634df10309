package io.p9gate.audit.cli;

import io.p9gate.audit.verify.VerificationReport;
import java.util.List;

/**
 * What the report says of the log's integrity: a headline ({@code OK: ...}, {@code TAMPERED: ...}, {@code NOT
 * VERIFIED: ...}) and the findings that say why not, in the words {@code audit verify} prints (already escaped for
 * a terminal), with {@code verify}'s exit code.
 */
record ReportVerdict(Status status, String headline, List<String> findings, int exitCode) {
    enum Status {
        VERIFIED,
        TAMPERED,
        NOT_VERIFIED
    }

    /** Without a trusted key nothing can be verified: saying so is the honest headline, and it is no failure. */
    static ReportVerdict withoutKey() {
        return new ReportVerdict(
                Status.NOT_VERIFIED,
                "NOT VERIFIED: no --key given; the chain, checkpoints and signatures were not checked against a"
                        + " trusted key",
                List.of(),
                0);
    }

    static ReportVerdict of(VerificationReport report) {
        List<String> lines = report.summary().lines().map(String::strip).toList();
        Status status = report.ok()
                ? Status.VERIFIED
                : lines.getFirst().startsWith("NOT VERIFIED") ? Status.NOT_VERIFIED : Status.TAMPERED;
        return new ReportVerdict(status, lines.getFirst(), lines.subList(1, lines.size()), report.exitCode());
    }
}

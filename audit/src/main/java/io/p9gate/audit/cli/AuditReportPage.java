package io.p9gate.audit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.p9gate.audit.read.HtmlText;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The page of {@code audit report --html}: one self-contained HTML file (inline CSS, no script, nothing fetched;
 * its Content-Security-Policy allows inline styles only) that an auditor opens anywhere. Every number on it is read
 * from the tree {@code audit stats --format json} prints ({@link LogStatistics#json}), so the two cannot disagree.
 * Each count carries an id ({@code records}, {@code decisions-deny}) or sits in a table row {@code tr[data-key]}
 * cell {@code td[data-count]}, named as in that JSON, for scripts and tests to read. All log text is escaped
 * ({@link HtmlText}): paths come from guests.
 */
final class AuditReportPage {
    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:70em}
            h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em}
            table{border-collapse:collapse;margin:.5em 0}
            th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
            th{background:#f2f2f2}td[data-count]{text-align:right;font-variant-numeric:tabular-nums}
            .verdict{padding:.6em 1em;border-radius:4px;margin:1em 0}
            .verified{background:#e6f4e7;color:#176b1d}.tampered{background:#fdecee;color:#b00020}
            .not-verified{background:#fff8e1;color:#6b5400}
            code,td.path{font-family:ui-monospace,monospace;font-size:.92em;word-break:break-all}
            """;
    private static final List<String> TALLY = List.of("requests", "allow", "deny", "refused");

    private AuditReportPage() {}

    static String of(Path log, Instant generated, ReportVerdict verdict, JsonNode stats) {
        StringBuilder b = new StringBuilder(32 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'\">")
                .append("<title>p9gate audit report: ")
                .append(HtmlText.ofLog(log.toString()))
                .append("</title><style>")
                .append(STYLE)
                .append("</style></head><body>\n<h1>p9gate audit report</h1>\n");
        verdict(b, verdict);
        b.append("<table class=\"meta\">");
        meta(b, "log directory", HtmlText.ofLog(log.toString()));
        meta(b, "generated", HtmlText.ofLog(generated.toString()));
        meta(b, "records", count("records", stats.get("records")));
        meta(
                b,
                "sequence numbers",
                count("seq-first", stats.at("/seq/first")) + " .. " + count("seq-last", stats.at("/seq/last")));
        meta(
                b,
                "time range",
                count("time-first", stats.at("/time/first")) + " .. " + count("time-last", stats.at("/time/last")));
        meta(b, "checkpoints", count("checkpoints", stats.get("checkpoints")));
        b.append("</table>\n<h2>Decisions</h2>\n<p>");
        JsonNode d = stats.get("decisions");
        b.append(count("decisions-records", d.get("records")))
                .append(" decision records for ")
                .append(count("decisions-requests", d.get("requests")))
                .append(" requests: the policy allowed ")
                .append(count("decisions-allow", d.get("allow")))
                .append(" and denied ")
                .append(count("decisions-deny", d.get("deny")))
                .append("; the guests saw ")
                .append(count("decisions-refused", d.get("refused")))
                .append(" refused (denials, and allowed requests that failed with an errno such as a quota's EDQUOT).")
                .append(" A summary of repeated refusals counts the requests it stands for.</p>\n");
        tallies(b, "byVm", "By VM", "VM", stats.get("byVm"));
        tallies(b, "byOp", "By operation", "operation", stats.get("byOp"));
        counts(b, "byErrno", "By errno (requests)", "errno", "requests", stats.get("byErrno"));
        counts(b, "byRule", "By rule (requests it decided)", "rule", "requests", stats.get("byRule"));
        counts(b, "byType", "Records by type", "type", "records", stats.get("byType"));
        topDeniedPaths(b, stats.get("topDeniedPaths"));
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void verdict(StringBuilder b, ReportVerdict verdict) {
        b.append("<div class=\"verdict ")
                .append(verdict.status().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .append("\"><strong id=\"verification\">")
                .append(HtmlText.ofLog(verdict.headline()))
                .append("</strong>");
        if (!verdict.findings().isEmpty()) {
            b.append("<ul id=\"findings\">");
            verdict.findings()
                    .forEach(f -> b.append("<li>").append(HtmlText.ofLog(f)).append("</li>"));
            b.append("</ul>");
        }
        if (verdict.status() != ReportVerdict.Status.VERIFIED) {
            b.append("<p>The counts below are what the log holds now; they are not evidence of what happened.</p>");
        }
        b.append("</div>\n");
    }

    private static void meta(StringBuilder b, String name, String html) {
        b.append("<tr><th>").append(name).append("</th><td>").append(html).append("</td></tr>");
    }

    /** A value with its id; a value the log does not have (no records, no time) shows as a dash. */
    private static String count(String id, JsonNode value) {
        return "<span id=\"" + id + "\">" + (value == null || value.isNull() ? "-" : HtmlText.ofLog(value.asText()))
                + "</span>";
    }

    private static void tallies(StringBuilder b, String id, String title, String what, JsonNode rows) {
        b.append("<h2>").append(title).append("</h2>\n<table id=\"").append(id).append("\"><tr><th>");
        b.append(what).append("</th>");
        TALLY.forEach(c -> b.append("<th>").append(c).append("</th>"));
        b.append("</tr>\n");
        rows.properties().forEach(row -> {
            row(b, row.getKey());
            TALLY.forEach(c -> cell(b, c, row.getValue().get(c)));
            b.append("</tr>\n");
        });
        b.append("</table>\n");
    }

    private static void counts(StringBuilder b, String id, String title, String what, String unit, JsonNode rows) {
        b.append("<h2>").append(title).append("</h2>\n<table id=\"").append(id).append("\"><tr><th>");
        b.append(what).append("</th><th>").append(unit).append("</th></tr>\n");
        rows.properties().forEach(row -> {
            row(b, row.getKey());
            cell(b, unit, row.getValue());
            b.append("</tr>\n");
        });
        b.append("</table>\n");
    }

    private static void topDeniedPaths(StringBuilder b, JsonNode paths) {
        b.append("<h2>Top denied paths</h2>\n<table id=\"topDeniedPaths\">")
                .append("<tr><th>VM</th><th>path</th><th>requests</th></tr>\n");
        for (JsonNode p : paths) {
            b.append("<tr data-key=\"")
                    .append(HtmlText.ofLog(
                            p.get("vm").asText() + " " + p.get("path").asText()))
                    .append("\"><td class=\"vm\">")
                    .append(HtmlText.ofLog(p.get("vm").asText()))
                    .append("</td>");
            b.append("<td class=\"path\">")
                    .append(HtmlText.ofLog(p.get("path").asText()))
                    .append("</td>");
            cell(b, "requests", p.get("requests"));
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static void row(StringBuilder b, String key) {
        b.append("<tr data-key=\"")
                .append(HtmlText.ofLog(key))
                .append("\"><td>")
                .append(HtmlText.ofLog(key))
                .append("</td>");
    }

    private static void cell(StringBuilder b, String name, JsonNode value) {
        b.append("<td data-count=\"")
                .append(name)
                .append("\">")
                .append(HtmlText.ofLog(value.asText()))
                .append("</td>");
    }
}

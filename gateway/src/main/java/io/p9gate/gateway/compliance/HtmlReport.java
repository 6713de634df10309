package io.p9gate.gateway.compliance;

import io.p9gate.audit.note.Sha256;
import io.p9gate.audit.read.HtmlText;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The report as one self-contained HTML page ({@code report.html}: inline CSS and script, nothing fetched):
 * the policy's SHA-256, the gateway version and the date, a summary per VM, and a table per requirement with,
 * for each check, the request sent, what the policy expects, what the gateway answered and the audit record's
 * sequence number. The page reads the same without its script; the script only filters rows by status.
 */
final class HtmlReport {
    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
            h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
            table{border-collapse:collapse;margin:.5em 0;width:100%}
            th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
            th{background:#f2f2f2}
            table.meta{width:auto}table.meta th{width:12em}
            .passed .status{color:#176b1d}.failed .status{color:#b00020;font-weight:bold}.skipped .status{color:#8a6d00}
            tr.failed{background:#fdecee}tr.skipped{background:#fff8e1}
            .counts span{display:inline-block;margin-right:1.5em;font-size:1.1em}
            code{font-size:.92em}.filters button{margin-right:.5em}.hidden{display:none}
            """;
    private static final String SCRIPT = """
            (function () {
              var buttons = document.querySelectorAll('.filters button');
              function show(status) {
                document.querySelectorAll('tr.check').forEach(function (row) {
                  row.classList.toggle('hidden', status !== 'all' && !row.classList.contains(status));
                });
                buttons.forEach(function (b) { b.disabled = b.getAttribute('data-status') === status; });
              }
              buttons.forEach(function (b) {
                b.addEventListener('click', function () { show(b.getAttribute('data-status')); });
              });
              show('all');
            })();
            """;

    /**
     * The Content-Security-Policy lets only this script run, by its SHA-256 ({@code 'unsafe-inline'} would let any
     * inline script run): should the page ever show a guest's name unescaped, a script in it still does not run.
     */
    private static final String SCRIPT_HASH = "'sha256-"
            + Base64.getEncoder().encodeToString(Sha256.newDigest().digest(SCRIPT.getBytes(StandardCharsets.UTF_8)))
            + "'";

    private HtmlReport() {}

    static String of(SuiteReport report) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'; script-src ")
                .append(SCRIPT_HASH)
                .append("\">")
                .append("<title>p9gate compliance: ")
                .append(esc(report.image()))
                .append("</title><style>")
                .append(STYLE)
                .append("</style></head><body>\n");
        b.append("<h1>p9gate compliance report: image ")
                .append(esc(report.image()))
                .append("</h1>\n");
        b.append("<table class=\"meta\">");
        meta(b, "policy file", report.policy().toString());
        meta(b, "policy SHA-256", report.policySha256());
        meta(b, "gateway version", report.gatewayVersion());
        meta(b, "date", report.date().toString());
        meta(
                b,
                "result",
                switch (report.exitCode()) {
                    case SuiteReport.EXIT_PASSED -> "every check passed";
                    case SuiteReport.EXIT_FAILED -> "FAILED: " + report.count(Status.FAILED) + " checks failed";
                    default -> "incomplete: " + report.count(Status.SKIPPED) + " checks could not run";
                });
        b.append("</table>\n<p class=\"counts\">");
        count(b, "total-checks", "checks", report.checks().size());
        count(b, "total-passed", "passed", report.count(Status.PASSED));
        count(b, "total-failed", "failed", report.count(Status.FAILED));
        count(b, "total-skipped", "skipped", report.count(Status.SKIPPED));
        b.append("</p>\n<h2>Summary per VM</h2>\n");
        summary(b, "VM", "vm", report.byVm());
        b.append("<h2>Summary per requirement</h2>\n");
        summary(b, "requirement", "requirement", report.byRequirement());
        b.append("<p class=\"filters\">show: ");
        for (String s : List.of("all", "failed", "skipped", "passed")) {
            b.append("<button type=\"button\" data-status=\"")
                    .append(s)
                    .append("\">")
                    .append(s)
                    .append("</button>");
        }
        b.append("</p>\n");
        for (Map.Entry<String, List<CheckResult>> req : report.byRequirement().entrySet()) {
            b.append("<h2 id=\"")
                    .append(esc(req.getKey()))
                    .append("\">")
                    .append(esc(req.getKey()))
                    .append("</h2>\n");
            b.append("<table class=\"checks\" data-requirement=\"")
                    .append(esc(req.getKey()))
                    .append("\"><tr>")
                    .append("<th>status</th><th>check</th><th>request sent</th><th>policy expects</th>")
                    .append("<th>gateway answered</th><th>audit record</th><th>note</th></tr>\n");
            for (CheckResult c : req.getValue()) {
                String status = c.status().word();
                b.append("<tr class=\"check ")
                        .append(status)
                        .append("\" data-id=\"")
                        .append(esc(c.id()))
                        .append("\">")
                        .append("<td class=\"status\">")
                        .append(status)
                        .append("</td>")
                        .append("<td><code>")
                        .append(esc(c.id()))
                        .append("</code><br>")
                        .append(esc(c.title()))
                        .append("</td>")
                        .append("<td><code>")
                        .append(esc(c.request()))
                        .append("</code></td>")
                        .append("<td>")
                        .append(esc(c.expected()))
                        .append("</td>")
                        .append("<td>")
                        .append(esc(c.seen()))
                        .append("</td>")
                        .append("<td>")
                        .append(c.auditSeqs().stream().map(s -> "#" + s).collect(Collectors.joining(" ")))
                        .append("</td><td>")
                        .append(esc(c.message()))
                        .append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void meta(StringBuilder b, String name, String value) {
        b.append("<tr><th>")
                .append(esc(name))
                .append("</th><td>")
                .append(esc(value))
                .append("</td></tr>");
    }

    private static void count(StringBuilder b, String id, String label, long n) {
        b.append("<span>")
                .append(label)
                .append(": <strong id=\"")
                .append(id)
                .append("\">")
                .append(n)
                .append("</strong></span>");
    }

    private static void summary(StringBuilder b, String heading, String cls, Map<String, List<CheckResult>> groups) {
        b.append("<table class=\"summary ")
                .append(cls)
                .append("\"><tr><th>")
                .append(heading)
                .append("</th><th>checks</th><th>passed</th><th>failed</th><th>skipped</th></tr>\n");
        groups.forEach((name, checks) -> {
            b.append("<tr data-")
                    .append(cls)
                    .append("=\"")
                    .append(esc(name))
                    .append("\"><td>")
                    .append(esc(name))
                    .append("</td><td>")
                    .append(checks.size())
                    .append("</td>");
            for (Status s : Status.values()) {
                b.append("<td class=\"")
                        .append(s.word())
                        .append("\">")
                        .append(checks.stream().filter(c -> c.status() == s).count())
                        .append("</td>");
            }
            b.append("</tr>\n");
        });
        b.append("</table>\n");
    }

    /** Guests' names reach the page: their controls and bidi overrides are shown escaped, as on the console. */
    static String esc(String s) {
        return HtmlText.ofLog(s);
    }
}

package io.p9gate.gateway.compliance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** The report as JSON ({@code report.json}; format in docs/compliance.md), for tools. */
final class JsonReport {
    static final String FORMAT = "p9gate-compliance-report/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {}

    static String of(SuiteReport report) {
        ObjectNode root = JSON.createObjectNode().put("format", FORMAT);
        root.putObject("policy")
                .put("file", report.policy().toString())
                .put("image", report.image())
                .put("sha256", report.policySha256());
        root.putObject("gateway").put("version", report.gatewayVersion());
        root.put("date", report.date().toString());
        counts(root.putObject("summary"), report.checks()).put("exitCode", report.exitCode());
        groups(root.putArray("vms"), "vm", report.byVm());
        groups(root.putArray("requirements"), "requirement", report.byRequirement());
        ArrayNode checks = root.putArray("checks");
        for (CheckResult c : report.checks()) {
            ObjectNode n = checks.addObject()
                    .put("id", c.id())
                    .put("vm", c.vm())
                    .put("share", c.share())
                    .put("requirement", c.requirement())
                    .put("title", c.title())
                    .put("status", c.status().word())
                    .put("request", c.request())
                    .put("expected", c.expected())
                    .put("seen", c.seen())
                    .put("message", c.message());
            ArrayNode seqs = n.putArray("auditSeqs");
            c.auditSeqs().forEach(seqs::add);
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    private static void groups(ArrayNode out, String key, Map<String, List<CheckResult>> groups) {
        groups.forEach((name, checks) -> counts(out.addObject().put(key, name), checks));
    }

    private static ObjectNode counts(ObjectNode node, List<CheckResult> checks) {
        return node.put("total", checks.size())
                .put(
                        "passed",
                        checks.stream().filter(c -> c.status() == Status.PASSED).count())
                .put(
                        "failed",
                        checks.stream().filter(c -> c.status() == Status.FAILED).count())
                .put(
                        "skipped",
                        checks.stream()
                                .filter(c -> c.status() == Status.SKIPPED)
                                .count());
    }
}

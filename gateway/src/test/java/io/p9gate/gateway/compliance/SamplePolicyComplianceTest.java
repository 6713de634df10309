package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Issue 10, acceptance: for every sample policy in policies/, the gateway serving it (audit on, on a
 * relocated copy) passes the compliance suite run with that same policy, its own test cases replayed live;
 * the JUnit XML parses and counts every check; the HTML page exists.
 */
class SamplePolicyComplianceTest {
    @TempDir
    Path tmp;

    @Test
    void demo() throws Exception {
        passes("demo.yaml");
    }

    @Test
    void instrumentCluster() throws Exception {
        passes("instrument-cluster.yaml");
    }

    /**
     * Its hand-written Cedar refuses guest root in the OTA staging area, where the quota is: probe as uid 1000
     * (the replayed case "root cannot stage" runs as uid 0 on a session of its own).
     */
    @Test
    void telematics() throws Exception {
        SuiteRun run = run("telematics.yaml", "--uid", "1000", "--gid", "1000");
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        // Its explicit limits the suite does not probe are listed, each with its reason; connections, fids and
        // xattr-bytes are probed.
        assertEquals(
                List.of("outstanding", "weight"),
                run.lines("skip").stream()
                        .filter(l -> l.contains("(not probed ("))
                        .map(l -> l.replaceAll(".* telematics/limits/([a-z-]+):.*", "$1"))
                        .toList(),
                run::describe);
        assertEquals(2, run.lines("skip").size(), run::describe);
        assertTrue(run.out().contains("pass R-ROB-2   telematics/listener/connections:"), run::describe);
        assertTrue(run.out().contains("pass R-ROB-2   telematics/limits/fids:"), run::describe);
        assertTrue(run.out().contains("pass R-ROB-2   telematics/limits/xattr-bytes:"), run::describe);
        assertEquals(SuiteReport.EXIT_INCOMPLETE, run.exitCode(), run::describe);
        reportsAgree(run);
    }

    /** Its inode quotas (100,000 and 20,000) are mostly taken by host-side content (see RelocatedPolicy#prefill). */
    @Test
    void infotainment() throws Exception {
        passes("infotainment.yaml");
    }

    /** Its 500,000-inode quota is mostly taken by host-side content (see RelocatedPolicy#prefill). */
    @Test
    void adas() throws Exception {
        passes("adas.yaml");
    }

    private void passes(String sample, String... options) throws Exception {
        SuiteRun run = run(sample, options);
        assertEquals(List.of(), run.lines("FAIL"), run::describe);
        assertEquals(List.of(), run.lines("skip"), run::describe);
        assertEquals(SuiteReport.EXIT_PASSED, run.exitCode(), run::describe);
        reportsAgree(run);
    }

    /** The sample served from a relocated copy; the suite also replays the sample's own test cases (--tests). */
    private SuiteRun run(String sample, String... options) throws Exception {
        RelocatedPolicy policy = RelocatedPolicy.of(RelocatedPolicy.sample(sample), tmp.resolve("image"), true);
        List<String> args = new java.util.ArrayList<>(List.of(options));
        args.addAll(List.of("--tests", policy.tests.toString()));
        try (ServedGateway served = ServedGateway.serve(policy.policy, Files.createDirectories(tmp.resolve("gw")))) {
            SuiteRun run = SuiteRun.against(policy.policy, served, tmp.resolve("report"), args.toArray(String[]::new));
            assertTrue(run.out().contains("/case/"), "the sample's test cases are replayed: " + run.describe());
            return run;
        }
    }

    private void reportsAgree(SuiteRun run) throws Exception {
        JsonNode json =
                new ObjectMapper().readTree(tmp.resolve("report/report.json").toFile());
        int checks = json.get("checks").size();
        assertTrue(checks > 20, "a sample policy gives many checks: " + checks);
        Document junit = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(tmp.resolve("report/report.xml").toFile());
        assertEquals(checks, junit.getElementsByTagName("testcase").getLength());
        assertEquals(
                json.get("summary").get("skipped").asInt(),
                junit.getElementsByTagName("skipped").getLength());
        assertEquals(0, junit.getElementsByTagName("failure").getLength());
        String html = Files.readString(tmp.resolve("report/report.html"));
        assertTrue(html.contains(json.get("policy").get("sha256").asText()), "the HTML names the policy's SHA-256");
        assertTrue(
                run.out().contains("checks: " + checks + " ") || run.out().contains(checks + " checks"), run::describe);
    }
}

package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The compliance suite against many valid policies ({@link GeneratedPolicy}, one per seed): each is accepted by
 * {@code policy check}, served with a signed audit log, and run through {@code p9gate compliance run} as an operator
 * runs it. A faithful gateway must give no FAIL, exit 0 or 3 (3 only with a reason on every skipped check), no
 * stack trace on the console or in the gateway's output, well-formed reports and an audit log that verifies. For
 * the first seeds that hide something, a gateway serving the policy without that hidden subtree must fail its
 * checks. Seeds {@code p9gate.complfuzz.first} .. + {@code p9gate.complfuzz.seeds} (default 2 .. 3: both hide a subtree the VM could reach, so the unfaithful run is checked, not skipped; {@code tls:} VMs are run with their client certificates); needs root
 * (the host tree is owned by the VMs' mapped ids).
 */
class GeneratedPolicyComplianceTest {
    /** No run of the small generated policies takes this long; a hang is a finding, not a slow machine. */
    private static final Duration BOUND = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    static Stream<Long> seeds() {
        long first = Long.getLong("p9gate.complfuzz.first", 2);
        long count = Long.getLong("p9gate.complfuzz.seeds", 2);
        return LongStream.range(first, first + count).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void faithfulGatewayPasses(long seed) throws Exception {
        assumeTrue(isRoot(), "needs root: the generated host tree is owned by the VMs' mapped host ids");
        GeneratedPolicy generated = GeneratedPolicy.generate(seed, tmp);
        Supplier<String> context = () -> "seed " + seed + "\n" + generated.text;

        SuiteRun check = SuiteRun.of("policy", "check", generated.policy.toString());
        assertEquals(0, check.exitCode(), () -> context.get() + check.describe());

        Path gw = Files.createDirectories(tmp.resolve("gw"));
        ServedGateway served = ServedGateway.serve(
                generated.policy, gw, generated.serveOptions().toArray(String[]::new));
        SuiteRun run;
        String gatewayOutput;
        try (served) {
            run = assertTimeoutPreemptively(
                    BOUND,
                    () -> SuiteRun.against(
                            generated.policy, served, tmp.resolve("report"), suiteOptions(generated, "400")));
        } finally {
            gatewayOutput = served.output();
        }
        Supplier<String> all = () -> context.get() + run.describe() + "\ngateway:\n" + gatewayOutput;
        assertEquals(List.of(), run.lines("FAIL"), all);
        assertTrue(run.exitCode() == SuiteReport.EXIT_PASSED || run.exitCode() == SuiteReport.EXIT_INCOMPLETE, all);
        for (String skip : run.lines("skip")) {
            assertTrue(
                    skip.matches("skip \\S+\\s+\\S+: .*\\S.*"), () -> "a skip without its reason: " + skip + all.get());
        }
        for (String vm : generated.tlsVms()) {
            // reached as itself: a wrong --tls-cert would only skip the VM, which no FAIL would show
            assertTrue(
                    run.lines("pass").stream()
                            .anyMatch(l -> l.contains(" " + vm + "/listener/client-cert/vm-certificate:")),
                    () -> vm + " not reached over TLS\n" + all.get());
        }
        assertFalse(hasStackTrace(run.out() + run.err()), all);
        assertFalse(hasStackTrace(gatewayOutput), all);
        assertReportsWellFormed(tmp.resolve("report"), run, all);

        SuiteRun verify = SuiteRun.of(
                "audit", "verify", "--log", served.auditDir.toString(), "--key", served.publicKey.toString());
        assertEquals(0, verify.exitCode(), () -> all.get() + "\naudit verify:\n" + verify.describe());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void gatewayThatDoesNotHideFails(long seed) throws Exception {
        assumeTrue(isRoot(), "needs root: the generated host tree is owned by the VMs' mapped host ids");
        GeneratedPolicy generated = GeneratedPolicy.generate(seed, tmp);
        assumeTrue(generated.firstHidden != null, "seed " + seed + " hides nothing");
        Path unfaithful = generated.withoutFirstHidden();
        SuiteRun run;
        try (ServedGateway served = ServedGateway.serve(
                unfaithful,
                Files.createDirectories(tmp.resolve("gw")),
                generated.serveOptions().toArray(String[]::new))) {
            run = assertTimeoutPreemptively(
                    BOUND,
                    () -> SuiteRun.against(
                            generated.policy, served, tmp.resolve("report"), suiteOptions(generated, "0")));
        }
        Supplier<String> all = () ->
                "seed " + seed + ", served without " + generated.firstHidden + "\n" + generated.text + run.describe();
        assertEquals(SuiteReport.EXIT_FAILED, run.exitCode(), all);
        assertTrue(run.lines("FAIL").stream().anyMatch(l -> l.contains(generated.firstHidden + "/")), all);
    }

    /** {@code --max-creates N} and the client certificates of the policy's {@code tls:} VMs. */
    private static String[] suiteOptions(GeneratedPolicy generated, String maxCreates) {
        List<String> options = new ArrayList<>(List.of("--max-creates", maxCreates));
        options.addAll(generated.suiteOptions());
        return options.toArray(String[]::new);
    }

    private static void assertReportsWellFormed(Path dir, SuiteRun run, Supplier<String> context) throws Exception {
        DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(dir.resolve("report.xml").toFile());
        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(run.exitCode(), json.get("summary").get("exitCode").asInt(), context);
        assertEquals(
                json.get("summary").get("total").asInt(), json.get("checks").size(), context);
        assertEquals(0, json.get("summary").get("failed").asInt(), context);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.strip().endsWith("</html>"), context);
        assertTrue(html.contains(json.get("policy").get("sha256").asText()), context);
    }

    /** A Java stack trace's frame line or an uncaught exception's header. */
    private static boolean hasStackTrace(String text) {
        return text.lines().anyMatch(l -> l.matches("\\s+at [\\w$.]+\\(.*\\)") || l.startsWith("Exception in thread"));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}

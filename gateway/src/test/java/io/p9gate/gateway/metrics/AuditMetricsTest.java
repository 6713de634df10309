package io.p9gate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.Durability;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.EveryRequest;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics say what the audit log says: requests, errors and bytes summed from the records written, a refusal
 * summary counting as the many requests it stands for and an intent record not as a second request.
 */
class AuditMetricsTest {
    /** Allows everything but mkdir, which it denies with EACCES. */
    private static final AccessPolicy NO_MKDIR = request -> request.operation() == Operation.MKDIR
            ? Decision.deny(Errno.EACCES, List.of("no-mkdir"))
            : Decision.allow(List.of("all"));

    @TempDir
    Path tmp;

    Path share;
    SignedLogs logs;
    SignedAuditTrail trail;
    final AuditMetrics metrics = new AuditMetrics();

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        logs = SignedLogs.in(tmp);
        // One refusal of a kind written at once, the rest counted into a summary when the log closes.
        trail = new SignedAuditTrail(
                AuditLog.open(logs.dir, logs.key, SignedLogs.options()),
                Durability.SYNCED,
                new RefusalBudget(Duration.ofHours(1), 64));
        trail.observe(metrics);
    }

    /** The exposition as a scraper sees it. */
    private MetricSamples scraped() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return MetricSamples.parse(out.toString(StandardCharsets.UTF_8));
    }

    /** Runs every request type once, then {@code denials} identical denied mkdirs, and closes the log. */
    private List<AuditRecord> serveAndClose(int denials) throws Exception {
        try (ShareServerFactory factory = TestSession.factory(share, NO_MKDIR, trail);
                TestSession s = TestSession.attached(factory)) {
            for (EveryRequest.Step step : EveryRequest.steps()) {
                try {
                    s.call(step.request());
                } catch (P9Exception refused) {
                    // Tauth, and the script's mkdir under this policy
                }
            }
            for (int i = 0; i < denials; i++) {
                assertEquals(Errno.EACCES, s.fails(new TMessage.Tmkdir(0, "d", 0755, 0)));
            }
        }
        trail.close();
        return logs.records();
    }

    /**
     * What the log's decision records count, keyed as the metric's labels are: every record but a change's
     * outcome record (its intent was the request) stands for {@code count} requests.
     */
    private static Map<List<String>, Long> requestsInLog(List<AuditRecord> records) {
        Map<List<String>, Long> counts = new HashMap<>();
        for (AuditRecord r : records) {
            if (r.isDecision() && !r.detail().contains("phase=outcome")) {
                counts.merge(List.of(r.vm(), r.op(), r.decision()), r.requests(), Long::sum);
            }
        }
        return counts;
    }

    @Test
    void requestCountsEqualTheLogsIncludingRefusalSummaries() throws Exception {
        List<AuditRecord> records = serveAndClose(500);
        assertTrue(records.stream().anyMatch(r -> r.requests() > 1), "the log holds a refusal summary");
        MetricSamples m = scraped();
        Map<List<String>, Long> inLog = requestsInLog(records);
        inLog.forEach((key, count) -> assertEquals(
                count.doubleValue(),
                m.sum("p9gate_requests_total", Map.of("vm", key.get(0), "op", key.get(1), "decision", key.get(2))),
                "requests " + key));
        assertEquals(
                inLog.values().stream().mapToLong(Long::longValue).sum(),
                m.sum("p9gate_requests_total"),
                "no request the log does not have");
        assertEquals(
                500 + 1.0,
                m.sum("p9gate_requests_total", Map.of("op", "mkdir", "decision", "deny")),
                "the script's mkdir and the 500 repeats");
    }

    @Test
    void refusalsSummarisedAreTheSummaryRecordsCounts() throws Exception {
        List<AuditRecord> records = serveAndClose(500);
        assertEquals(
                500.0,
                scraped().sum("p9gate_audit_refusals_summarised_total", Map.of("vm", "vm-test")),
                "the script's mkdir written, its 500 repeats counted into a summary");
        assertEquals((double) summarisedInLog(records), scraped().sum("p9gate_audit_refusals_summarised_total"));
    }

    @Test
    void refusalsOfKindsOverTheWindowsBudgetAreSummarisedToo() throws Exception {
        try (ShareServerFactory factory = TestSession.factory(share, NO_MKDIR, trail);
                TestSession s = TestSession.attached(factory)) {
            for (int i = 0; i < 100; i++) {
                assertEquals(Errno.EACCES, s.fails(new TMessage.Tmkdir(0, "d" + i, 0755, 0)));
            }
            assertEquals(0.0, scraped().sum("p9gate_audit_refusals_summarised_total"), "the window is still open");
        }
        trail.close();
        List<AuditRecord> records = logs.records();
        double summarised = scraped().sum("p9gate_audit_refusals_summarised_total", Map.of("vm", "vm-test"));
        assertEquals(100.0 - 64, summarised, "64 kinds written one by one a window, the other 36 counted");
        assertEquals((double) summarisedInLog(records), summarised);
    }

    private static long summarisedInLog(List<AuditRecord> records) {
        return records.stream()
                .filter(r -> r.isDecision()
                        && (r.detail().contains(" repeat_of=") || r.detail().endsWith(" paths=varied")))
                .mapToLong(AuditRecord::requests)
                .sum();
    }

    @Test
    void errorsAndBytesEqualTheLogs() throws Exception {
        List<AuditRecord> records = serveAndClose(20);
        MetricSamples m = scraped();
        long eacces = records.stream()
                .filter(r -> r.isDecision() && Objects.equals(r.errno(), Errno.EACCES.code()))
                .mapToLong(AuditRecord::requests)
                .sum();
        assertEquals((double) eacces, m.sum("p9gate_request_errors_total", Map.of("errno", "EACCES")));
        long failed = records.stream()
                .filter(r -> r.isDecision() && r.errno() != null && r.errno() != 0)
                .mapToLong(AuditRecord::requests)
                .sum();
        assertEquals((double) failed, m.sum("p9gate_request_errors_total"));
        assertEquals((double) bytes(records, "read"), m.sum("p9gate_read_bytes_total", Map.of("vm", "vm-test")));
        assertEquals((double) bytes(records, "write"), m.sum("p9gate_written_bytes_total", Map.of("vm", "vm-test")));
        assertTrue(m.sum("p9gate_read_bytes_total") > 0, "the script reads");
        assertTrue(m.sum("p9gate_written_bytes_total") > 0, "the script writes (its intent record is the request)");
    }

    private static long bytes(List<AuditRecord> records, String op) {
        return records.stream()
                .filter(r -> r.isDecision()
                        && op.equals(r.op())
                        && r.bytes() != null
                        && !r.detail().contains("phase=outcome"))
                .mapToLong(AuditRecord::bytes)
                .sum();
    }

    @Test
    void decisionRecordsAndSyncedAppendsAreCountedOncePerRecord() throws Exception {
        List<AuditRecord> records = serveAndClose(50);
        MetricSamples m = scraped();
        long decisions = records.stream().filter(AuditRecord::isDecision).count();
        assertEquals((double) decisions, m.sum("p9gate_audit_records_total", Map.of("kind", "decision")));
        long intents = records.stream()
                .filter(r -> r.isDecision() && r.detail().contains("phase=intent"))
                .filter(r -> !"write".equals(r.op())) // covered by the open it acts through
                .count();
        long writeOpens = records.stream()
                .filter(r -> r.isDecision() && r.errno() == 0)
                .filter(r -> !r.detail().contains("phase="))
                .filter(r -> r.detail().startsWith("action=fsync ")
                        || r.detail().startsWith("action=open ") && (openFlags(r.detail()) & 3) != 0)
                .count();
        assertTrue(intents > 0, "the script changes the share");
        assertTrue(writeOpens > 0, "the script opens a file for writing");
        assertEquals(
                (double) (intents + writeOpens),
                m.sum("p9gate_audit_append_seconds_count", Map.of("durability", "synced")),
                "each intent but a write's, and each open and fsync for writing, waited for the disk");
    }

    private static int openFlags(String detail) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("flags=0x([0-9a-f]+)").matcher(detail);
        assertTrue(m.find(), detail);
        return Integer.parseInt(m.group(1), 16);
    }

    @Test
    void sessionsAreAttachesMinusCloses() throws Exception {
        try (ShareServerFactory factory = TestSession.factory(share, NO_MKDIR, trail)) {
            TestSession first = TestSession.attached(factory);
            TestSession second = TestSession.attached(factory);
            assertEquals(2.0, scraped().sum("p9gate_sessions", Map.of("vm", "vm-test")));
            first.close();
            assertEquals(1.0, scraped().sum("p9gate_sessions", Map.of("vm", "vm-test")));
            second.close();
        }
        assertEquals(0.0, scraped().sum("p9gate_sessions", Map.of("vm", "vm-test")));
    }

    @Test
    void aFailingObserverNeverFailsARequest() throws Exception {
        trail.observe(written -> {
            throw new IllegalStateException("metrics broke");
        });
        try (ShareServerFactory factory = TestSession.factory(share, NO_MKDIR, trail);
                TestSession s = TestSession.attached(factory)) {
            s.walk(TestSession.ROOT, 1, "f");
            s.lopen(1, 0);
            assertEquals("content", s.readString(1));
        }
        trail.close();
        assertTrue(logs.records().stream().anyMatch(r -> "read".equals(r.op())), "the read was recorded");
    }
}

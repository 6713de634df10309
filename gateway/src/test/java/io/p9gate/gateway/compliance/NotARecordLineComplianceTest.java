package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.LogDirectory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A line of the audit log that is no record (a zero byte in it: space not written when read, or lost) is audit/verify's
 * finding, not the end of the audit checks: the suite's reader threw Jackson's words for it ("Invalid UTF-32
 * character 0x3a303030", from the zeros after a line's first byte), and the run failed with them instead of a verdict.
 */
class NotARecordLineComplianceTest {
    @TempDir
    Path dir;

    private final SigningKey key = SigningKey.generate("not-a-record-test", new SecureRandom());

    @Test
    void aLineWithZerosIsVerifysFindingNotTheChecksEnd() throws Exception {
        Path log = dir.resolve("log");
        AuditLog.open(log, key, AuditOptions.defaults("not-a-record-test")).close(); // its start and shutdown
        Path pub = dir.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, dir.resolve("audit.key"), pub);
        AuditChecks checks = AuditChecks.begin(log, List.of(pub), "abc", Duration.ZERO);
        byte[] tail = "000:1000,\"decision\":\"allow\"}\n".getBytes(StandardCharsets.US_ASCII);
        byte[] line = new byte[4 + tail.length];
        line[0] = '{'; // then three zeros: Jackson took the line for UTF-32
        System.arraycopy(tail, 0, line, 4, tail.length);
        Files.write(LogDirectory.segments(log).getLast(), line, StandardOpenOption.APPEND);

        CheckLog results = new CheckLog(new PrintWriter(new StringWriter()));
        checks.run(results, List.of(), Map.of(), List.of("vm-b"));

        CheckResult verify = results.results().stream()
                .filter(r -> r.id().equals("audit/verify"))
                .findFirst()
                .orElseThrow();
        assertEquals(Status.FAILED, verify.status(), verify.message());
        for (CheckResult r : results.results()) {
            assertFalse(r.message().contains("UTF-32"), r.id() + ": " + r.message());
        }
    }
}

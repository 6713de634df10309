package io.p9gate.audit.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.TestLogs;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit verify} checks a log of any age in bounded memory. The gateway signs a checkpoint about every second
 * while records arrive and never rotates the sidecar (86,400 notes a day); the verifier kept every note's text, its
 * size and the tree and chain heads at that size, over 1 KB of heap a checkpoint, so a month-old log needed over a
 * gigabyte of heap and the CLI died with OutOfMemoryError on an ECU. Here a log of {@value #RECORDS} decisions, each
 * followed by a checkpoint record and its note, verifies in a JVM of {@value #HEAP} (it needed more than 48 MB).
 */
class VerifyMemoryTest {
    static final int RECORDS = 40_000;
    static final String HEAP = "16m";

    @TempDir
    Path tmp;

    @Test
    void aLogWithManyCheckpointsVerifiesInASmallHeap() throws Exception {
        SigningKey key = TestLogs.key("ecu-a-audit");
        Path log = tmp.resolve("log");
        Path pub = tmp.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, tmp.resolve("audit.key"), pub);
        try (AuditLog writer = AuditLog.open(
                log, key, TestLogs.options().withCheckpointEvery(Duration.ZERO).withCheckpointRecords(1))) {
            for (int i = 0; i < RECORDS; i++) {
                writer.append(TestLogs.decision(i));
            }
        }
        Process p = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + HEAP,
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.p9gate.audit.cli.AuditCommand",
                        "verify",
                        "--log",
                        log.toString(),
                        "--key",
                        pub.toString()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("OK: "), out);
        assertTrue(out.contains("checkpoints verified"), out);
    }
}

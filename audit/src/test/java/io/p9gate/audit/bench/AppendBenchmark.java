package io.p9gate.audit.bench;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.AuditWriteException;
import io.p9gate.audit.Durability;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.note.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Append throughput of the real log with production settings: a signed, fsynced checkpoint every 8,192
 * records and every second, 64 MiB segments, on the local disk (DESIGN §5: >= 50,000 records/s). With
 * {@code durability=SYNCED} every append waits until its record is on disk, as an intent record does (group
 * commit: appenders that wait together share one fsync). {@link AuditBenchmarkMain} runs it with 1, 4 and 16
 * threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AppendBenchmark {
    @Param({"WRITTEN", "SYNCED"})
    public Durability durability;

    private Path dir;
    private AuditLog log;
    /** A typical decision: ~330-byte record line. */
    private final AuditEvent.Decision event = new AuditEvent.Decision(
            "ecu-infotainment",
            42,
            "lopen",
            17,
            "/home/user/media/music/album-2026/track-07.flac",
            new IdMapping(1000, 1000, 100999, 100999),
            Outcome.ALLOW,
            List.of("media-read", "home-ro"),
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            0,
            65536,
            null,
            1);

    @Setup(Level.Trial)
    public void open() throws IOException, AuditWriteException {
        dir = Files.createTempDirectory(
                Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))), "audit-bench");
        log = AuditLog.open(
                dir, SigningKey.generate("bench", new SecureRandom()), AuditOptions.defaults("p9gate.bench/audit"));
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, AuditWriteException {
        log.close();
        long notes;
        try (Stream<String> lines = Files.lines(dir.resolve(io.p9gate.audit.read.LogDirectory.CHECKPOINTS))) {
            notes = lines.count();
        }
        // Evidence that checkpoints were really signed while appending (not just at close).
        System.out.printf(
                "%n[audit] %s: %,d records, %,d signed checkpoints, last covers %,d, %,d fsyncs%n",
                durability, log.size(), notes, log.lastCheckpoint().size(), log.fsyncs());
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public long append() throws AuditWriteException {
        return log.append(event, durability);
    }
}

package io.p9gate.gateway.auditing;

import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.cli.AuditCommand;
import io.p9gate.audit.note.KeyFiles;
import io.p9gate.audit.note.SigningKey;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.audit.read.SegmentReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A signed audit log in a test directory: its key pair, its records, its verification and its tampering. */
public final class SignedLogs {
    public final Path dir;
    public final Path privateKey;
    public final Path publicKey;
    public final SigningKey key;

    private SignedLogs(Path dir, Path privateKey, Path publicKey, SigningKey key) {
        this.dir = dir;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.key = key;
    }

    /** A fresh key pair under {@code parent/keys} and a log directory {@code parent/audit}. */
    public static SignedLogs in(Path parent) throws Exception {
        SigningKey key = SigningKey.generate("test-audit", new SecureRandom());
        Path keys = Files.createDirectories(parent.resolve("keys"));
        Path priv = keys.resolve("audit.key");
        Path pub = keys.resolve("audit.pub");
        KeyFiles.writeKeyPair(key, priv, pub);
        return new SignedLogs(parent.resolve("audit"), priv, pub, key);
    }

    /** No checkpoint timer, so the tests are deterministic. */
    public static AuditOptions options() {
        return AuditOptions.defaults("p9gate.test/audit").withCheckpointEvery(Duration.ZERO);
    }

    public SignedAuditTrail open() throws Exception {
        return SignedAuditTrail.open(dir, key, options());
    }

    /** {@link #open()} with its own refusal budget (a long window keeps a test's refusals in one). */
    public SignedAuditTrail open(RefusalBudget refusals) throws Exception {
        return new SignedAuditTrail(
                io.p9gate.audit.AuditLog.open(dir, key, options()), io.p9gate.audit.Durability.WRITTEN, refusals);
    }

    /** {@link #open()} for lambdas that cannot throw. */
    public SignedAuditTrail openUnchecked() {
        try {
            return open();
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the test's audit log: " + e.getMessage(), e);
        }
    }

    public List<AuditRecord> records() throws IOException {
        return records(false, LogDirectory.segments(dir));
    }

    /**
     * The records of the image a killed gateway left: a kill during an append leaves a torn last line, which the
     * verifier reports as a crash and the next start cuts off. Any other line that does not parse is an error.
     */
    public List<AuditRecord> recordsBeforeTornTail() throws IOException {
        return records(true, LogDirectory.segments(dir));
    }

    /**
     * {@link #recordsBeforeTornTail}, and after them those of the segment a rotation started, if a kill left it
     * under its name until sealed ({@code segment-next.pending}, the audit module's {@code SegmentWriter.PENDING}):
     * the records a gateway wrote last may be there, and the next start adopts it as the log's last segment.
     */
    public List<AuditRecord> recordsOfCrashImage() throws IOException {
        List<Path> segments = new ArrayList<>(LogDirectory.segments(dir));
        Path pending = dir.resolve("segment-next.pending");
        if (Files.isRegularFile(pending)) {
            segments.add(pending);
        }
        return records(true, segments);
    }

    private List<AuditRecord> records(boolean tornTailAllowed, List<Path> segments) throws IOException {
        List<AuditRecord> out = new ArrayList<>();
        IOException[] torn = new IOException[1];
        SegmentReader.forEachLine(segments, line -> {
            if (torn[0] != null) {
                throw new UncheckedIOException("a line that does not parse is followed by others", torn[0]);
            }
            try {
                out.add(AuditRecord.parse(line.bytes()));
            } catch (IOException e) {
                if (!tornTailAllowed) {
                    throw new UncheckedIOException(e);
                }
                torn[0] = e;
            }
        });
        return out;
    }

    /** Bytes the log's files hold. */
    public long bytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path f : files.toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }

    /** {@code p9gate audit verify --log DIR --key PUB}, as a reviewer runs it: the exit code and the output. */
    public Verified verify() {
        StringWriter out = new StringWriter();
        var cl = AuditCommand.commandLine(new AuditCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        int exit = cl.execute("verify", "--log", dir.toString(), "--key", publicKey.toString());
        return new Verified(exit, out.toString());
    }

    public record Verified(int exit, String output) {}

    /** Changes one byte inside a record of the first segment (a digit of its time becomes another digit). */
    public void flipOneByte() throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("segment-"))
                    .sorted()
                    .findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        int at = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).indexOf("\"time\":\"") + 9;
        bytes[at] = (byte) (bytes[at] == '0' ? '1' : '0');
        Files.write(segment, bytes);
    }
}

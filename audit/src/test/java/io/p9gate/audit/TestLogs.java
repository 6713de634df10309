package io.p9gate.audit;

import io.p9gate.audit.note.SigningKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/** Builders shared by the tests: keys, options and realistic decision events. */
public final class TestLogs {
    private TestLogs() {}

    public static SigningKey key(String name) {
        return SigningKey.generate(name, new SecureRandom());
    }

    /** No timer (deterministic), small checkpoint interval so that tests see several checkpoints. */
    public static AuditOptions options() {
        return AuditOptions.defaults("p9gate.test/audit")
                .withCheckpointEvery(Duration.ZERO)
                .withCheckpointRecords(16);
    }

    public static AuditEvent.Decision decision(int i) {
        boolean deny = i % 3 == 0;
        return new AuditEvent.Decision(
                "vm-" + (i % 2 == 0 ? "a" : "b"),
                7,
                i % 4 == 0 ? "lopen" : "walk",
                i,
                "/data/dir" + (i % 5) + "/file" + i,
                new IdMapping(1000, 1000, 100000 + i % 3, 100000),
                deny ? Outcome.DENY : Outcome.ALLOW,
                deny ? List.of() : List.of("rule-" + (i % 4)),
                "sha256:abc",
                deny ? 13 : 0,
                i % 4 == 0 ? 4096 : AuditEvent.NO_BYTES,
                null,
                1);
    }

    /** {@link #decision(int)} with another path and detail (a guest's text, an oversized detail). */
    public static AuditEvent.Decision decision(int i, String path, String detail) {
        AuditEvent.Decision d = decision(i);
        return new AuditEvent.Decision(
                d.vm(),
                d.session(),
                d.op(),
                d.tag(),
                path,
                d.ids(),
                d.outcome(),
                d.ruleIds(),
                d.policyDigest(),
                d.errno(),
                d.bytes(),
                detail,
                d.count());
    }

    /**
     * Where the bytes written to a segment end: its length without the zeros an open log writes ahead of its
     * records (docs/audit-format.md). Tests that tear or edit the live segment do it there, as a crash would.
     */
    public static long writtenEnd(java.nio.file.Path segment) throws java.io.IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(segment);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return end;
    }

    /** Writes {@code bytes} at {@link #writtenEnd} of {@code segment}: a record cut short by a crash. */
    public static void tear(java.nio.file.Path segment, byte[] bytes) throws java.io.IOException {
        long at = writtenEnd(segment);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    /** Writes {@code records} decisions into a fresh log and closes it. */
    public static void write(java.nio.file.Path dir, SigningKey key, AuditOptions options, int records)
            throws Exception {
        try (AuditLog log = AuditLog.open(dir, key, options)) {
            for (int i = 0; i < records; i++) {
                log.append(decision(i));
            }
        }
    }

    /** Every record of the log in {@code dir}, parsed. */
    public static List<io.p9gate.audit.read.AuditRecord> records(java.nio.file.Path dir) throws java.io.IOException {
        List<io.p9gate.audit.read.AuditRecord> out = new java.util.ArrayList<>();
        io.p9gate.audit.read.SegmentReader.forEachLine(dir, line -> {
            try {
                out.add(io.p9gate.audit.read.AuditRecord.parse(line.bytes()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return out;
    }

    /** Every entry of the sidecar, torn last line included: for tests, whose sidecars are small. */
    public static List<CheckpointStore.Entry> checkpoints(java.nio.file.Path dir) throws java.io.IOException {
        List<CheckpointStore.Entry> entries = new java.util.ArrayList<>();
        try (CheckpointStore.Entries in = CheckpointStore.entries(dir)) {
            for (CheckpointStore.Entry e = in.next(); e != null; e = in.next()) {
                entries.add(e);
            }
        }
        return entries;
    }
}

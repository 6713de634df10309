package io.p9gate.gateway.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditEvent;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.AuditOptions;
import io.p9gate.audit.IdMapping;
import io.p9gate.audit.Outcome;
import io.p9gate.audit.note.SigningKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * audit/checkpoint judges when the gateway signed the checkpoint over the suite's last record against that record's
 * own time, on the gateway's clock: how long the suite then took to read and match the log (a slow, shared machine:
 * half a minute) is not the gateway's lateness. Clocks are set by hand; nothing sleeps.
 */
class CheckpointCheckTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant BEGAN = Instant.parse("2026-12-05T08:00:00Z");

    @TempDir
    Path dir;

    private final SigningKey key = SigningKey.generate("checkpoint-test", new SecureRandom());
    private final HandClock gateway = new HandClock(BEGAN);

    /** A clock that moves only when told. */
    private static final class HandClock extends Clock {
        private Instant now;

        HandClock(Instant now) {
            this.now = now;
        }

        void set(Instant at) {
            now = at;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** The gateway's log: a record of the suite's at {@code recordAt}, the checkpoint over it signed at {@code signedAt}. */
    private long log(Instant recordAt, Instant signedAt) throws Exception {
        AuditOptions options = AuditOptions.defaults("checkpoint-test")
                .withCheckpointEvery(Duration.ZERO)
                .withClock(gateway);
        gateway.set(recordAt);
        try (AuditLog log = AuditLog.open(dir, key, options)) {
            long seq = log.append(new AuditEvent.Decision(
                    "vm1",
                    1,
                    "walk",
                    3,
                    "/p9gate-compliance-hello-1",
                    new IdMapping(0, 0, 0, 0),
                    Outcome.ALLOW,
                    List.of(),
                    "sha256:abc",
                    0,
                    AuditEvent.NO_BYTES,
                    null,
                    1));
            gateway.set(signedAt);
            log.checkpoint();
            return seq;
        }
    }

    /** The check as the suite runs it, having begun at {@link #BEGAN}, once it has read the log (whenever that is). */
    private CheckResult judge(long seq, Instant recordAt) throws Exception {
        return new CheckpointCheck(dir, List.of(key.verifierKey()), WAIT, BEGAN).judge(seq, recordAt);
    }

    @Test
    void aCheckpointSignedASecondAfterTheRecordPassesHoweverLateTheSuiteLooks() throws Exception {
        Instant record = BEGAN.plusSeconds(30);
        long seq = log(record, record.plusSeconds(1));
        CheckResult r = judge(seq, record);
        assertEquals(Status.PASSED, r.status(), r::message);
    }

    @Test
    void aCheckpointSignedLongAfterTheRecordFails() throws Exception {
        Instant record = BEGAN.plusSeconds(30);
        long seq = log(record, record.plusSeconds(25));
        CheckResult r = judge(seq, record);
        assertEquals(Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("25 s after"), r.message());
    }

    @Test
    void aCheckpointDatedBeforeTheRunBeganFails() throws Exception {
        Instant record = BEGAN.minusSeconds(5);
        long seq = log(record, record.plusSeconds(1));
        CheckResult r = judge(seq, record);
        assertEquals(Status.FAILED, r.status(), r::message);
        assertTrue(r.message().contains("before the run began"), r.message());
    }
}

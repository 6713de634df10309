package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.AuditLog;
import io.p9gate.audit.Durability;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.RefusalBudget;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 6: a guest floods denied walks (hidden paths, ENOENT) as fast as it can pipeline them. Each
 * used to cost a ~530-byte record, unbounded (7-11 MB/s, ~40 GB/h, then a full disk refuses every VM). With the
 * refusal budget the log grows by a bounded number of records however long the flood lasts, and the counts of
 * the summary records add up to every refusal. The window is an hour here, so the bound does not depend on how
 * fast this machine is.
 */
class AuditFloodAttackTest {
    private static final int IDENTICAL = 20_000;
    private static final int DISTINCT = 5_000;
    private static final int IN_FLIGHT = 64;

    @TempDir
    Path tmp;

    @Test
    void aFloodOfDeniedWalksGrowsTheLogByABoundedAmountAndEveryDenialIsCounted() throws Exception {
        FloodedLog flooded = floodedLog(tmp, alpha -> {}, alpha -> {
            flood(alpha, IDENTICAL, i -> new TMessage.Twalk(0, 1, List.of("secret")));
            flood(alpha, DISTINCT, i -> new TMessage.Twalk(0, 1, List.of("secret", "guess-" + i)));
        });
        SignedLogs logs = flooded.logs();
        List<AuditRecord> records = logs.records();
        long grown = flooded.grown();
        // The size once closed: an open segment's file is allocated ahead of its records, so sizes taken while the
        // gateway ran said nothing (a "growth" of -1 MB).
        System.out.printf(
                "AuditFloodAttackTest: %d denied walks -> %d records, a log of %d bytes%n",
                IDENTICAL + DISTINCT, grown, logs.bytes());
        assertTrue(
                grown <= 2 + 64 + 1 + 16,
                "bounded: " + grown + " records for " + (IDENTICAL + DISTINCT)
                        + " denials (the first and the summary of the identical ones, 64 different ones, one summary of"
                        + " the rest, session and checkpoint records)");
        long denied = records.stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> "deny".equals(r.decision()) && r.path().startsWith("/secret"))
                .mapToLong(AuditRecord::requests)
                .sum();
        assertEquals(IDENTICAL + DISTINCT, denied, "every denial is counted");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** What a guest of alpha does on its connection. */
    @FunctionalInterface
    interface AlphaGuest {
        void run(P9Client alpha) throws Exception;
    }

    /** A closed log and how many records a flood added to it. */
    record FloodedLog(SignedLogs logs, long grown) {}

    /** The log of an {@link #hourlyBudget} rig where alpha ran {@code setup} and then {@code flood}, closed. */
    static FloodedLog floodedLog(Path tmp, AlphaGuest setup, AlphaGuest flood) throws Exception {
        long recordsBefore;
        SignedLogs logs;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp, AuditFloodAttackTest::hourlyBudget);
                P9Client alpha = rig.alpha()) {
            logs = rig.logs;
            setup.run(alpha);
            recordsBefore = logs.records().size();
            flood.run(alpha);
        }
        return new FloodedLog(logs, logs.records().size() - recordsBefore);
    }

    /** A refusal budget whose window (an hour) outlasts any test. */
    static SignedAuditTrail hourlyBudget(SignedLogs logs) {
        try {
            return new SignedAuditTrail(
                    AuditLog.open(logs.dir, logs.key, SignedLogs.options()),
                    Durability.SYNCED,
                    new RefusalBudget(Duration.ofHours(1), 64));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code count} requests, {@link #IN_FLIGHT} at a time; each must be refused with ENOENT. */
    private static void flood(P9Client client, int count, IntFunction<TMessage> request) throws Exception {
        flood(client, count, request, Errno.ENOENT);
    }

    /** Sends {@code count} requests, {@link #IN_FLIGHT} at a time; each must be refused with {@code errno}. */
    static void flood(P9Client client, int count, IntFunction<TMessage> request, Errno errno) throws Exception {
        ArrayDeque<PendingCall> inFlight = new ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            if (inFlight.size() == IN_FLIGHT) {
                expectRefused(client, inFlight.poll(), errno);
            }
            inFlight.add(client.send(request.apply(i)));
        }
        while (!inFlight.isEmpty()) {
            expectRefused(client, inFlight.poll(), errno);
        }
    }

    private static void expectRefused(P9Client client, PendingCall call, Errno errno) throws Exception {
        try {
            client.await(call);
            throw new AssertionError("a request of the flood succeeded");
        } catch (P9Exception e) {
            assertEquals(errno, e.errno());
        }
    }
}

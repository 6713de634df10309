package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2) on the refusal budget's bytes for the other text a guest chooses that a refused request writes
 * into its record: an xattr name, a symlink target, a refused attach's share name. Each refusal of a flood is of a
 * kind of its own, its text as long as the protocol takes and of control characters (six record bytes each): a
 * window's log stays within what docs/audit-format.md promises, about 130 records (64 kinds written at once, their
 * summaries, the over-budget classes' summaries) of at most about a kilobyte each, as the walks' names do
 * (LongRefusalRecordsFloodAttackTest). Measured: attaches of 4,095-byte share names 12 records, 40 KB; xattr reads
 * of 255-byte names 68, 54 KB; 4,095-byte symlink targets 33, 53 KB; 75-character targets each sent twice (so
 * each kind has its summary) 132, 129 KB. A text the budget did not count would take hundreds of KB.
 */
class RefusedFreeTextFloodAttackTest {
    private static final int REFUSALS = 5_000;
    private static final long BOUND = 144 * 1024L;
    private static final int RECORDS = 140;

    @TempDir
    Path tmp;

    @Test
    void refusedXattrReadsOfDistinctLongNames() throws Exception {
        boundedInBytes(
                "xattr", alpha -> {}, i -> new TMessage.Txattrwalk(0, 10 + i, "user." + ascii(i, 250)), Errno.ENODATA);
    }

    @Test
    void refusedSymlinksOfDistinctLongTargets() throws Exception {
        boundedInBytes(
                "symlink",
                alpha -> alpha.walk(0, 2, "base"),
                i -> new TMessage.Tsymlink(2, "l" + i, text(i, 4095), 0),
                Errno.EROFS);
    }

    @Test
    void refusedAttachesOfDistinctLongShareNames() throws Exception {
        boundedInBytes(
                "attach", alpha -> {}, i -> new TMessage.Tattach(10 + i, -1, "root", ascii(i, 4095), 0), Errno.ENOENT);
    }

    @Test
    void refusedSymlinksOfHalfAKilobyteEachSentTwice() throws Exception {
        boundedInBytes(
                "symlink twice",
                alpha -> alpha.walk(0, 2, "base"),
                i -> new TMessage.Tsymlink(2, "l" + i / 2, text(i / 2, 75), 0),
                Errno.EROFS);
    }

    private void boundedInBytes(
            String what, AuditFloodAttackTest.AlphaGuest setup, IntFunction<TMessage> request, Errno errno)
            throws Exception {
        AuditFloodAttackTest.FloodedLog flooded = AuditFloodAttackTest.floodedLog(
                tmp, setup, alpha -> AuditFloodAttackTest.flood(alpha, REFUSALS, request, errno));
        SignedLogs logs = flooded.logs();
        long bytes = logs.bytes();
        System.out.printf(
                "RefusedFreeTextFloodAttackTest: %d refused %s of distinct long text -> %d records, %d bytes of log%n",
                REFUSALS, what, flooded.grown(), bytes);
        assertTrue(flooded.grown() <= RECORDS, "a window's log is bounded in records: " + flooded.grown());
        assertTrue(bytes <= BOUND, "a window's log is bounded in bytes: " + bytes);
        long counted = logs.records().stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> Integer.valueOf(errno.code()).equals(r.errno()))
                .mapToLong(AuditRecord::requests)
                .sum();
        assertEquals(REFUSALS, counted, "every refusal is still counted");
    }

    /** {@code length} characters: {@code i}'s digits, then 'x'. */
    private static String ascii(int i, int length) {
        return ("t" + i + "-" + "x".repeat(length)).substring(0, length);
    }

    /** {@code length} characters: {@code i}'s digits, then U+0001, which the record writes as six bytes each. */
    private static String text(int i, int length) {
        StringBuilder out = new StringBuilder("t").append(i).append('-');
        while (out.length() < length) {
            out.append('\u0001');
        }
        return out.toString();
    }
}

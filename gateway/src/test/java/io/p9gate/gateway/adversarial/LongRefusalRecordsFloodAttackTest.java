package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2) on what the refusal budget's window costs in bytes. It writes 64 kinds of refusal one by one per
 * VM and second, and 64 ordinary ones (a walk of a made-up name, a refused xattr read) take about 40 KB; but a kind is
 * any path and detail, and a walk of 16 distinct 255-byte names makes a record of about 5.5 KB (a 4,095-byte path, the
 * names abbreviated within 1,024 bytes): 64 of them took 371 KB a window, 1.3 GB an hour of one VM's flood, nine
 * times what the budget was measured at. The kinds written one by one are bounded in bytes too.
 */
class LongRefusalRecordsFloodAttackTest {
    private static final int WALKS = 10_000;

    @TempDir
    Path tmp;

    @Test
    void aWindowOfRefusedWalksOfDistinctLongNamesIsBoundedInBytes() throws Exception {
        aWindowIsBoundedInBytes(LongRefusalRecordsFloodAttackTest::longNames, 128 * 1024L);
    }

    /**
     * The same with names of 85 three-byte characters: the record writes each as a six-byte escape (CanonicalJson),
     * and a budget counting characters let 25 kinds a window through, 59 KB of log where ASCII names take 27 KB.
     */
    @Test
    void aWindowOfRefusedWalksOfDistinctNonAsciiNamesIsBoundedInBytesToo() throws Exception {
        aWindowIsBoundedInBytes(LongRefusalRecordsFloodAttackTest::nonAsciiNames, 48 * 1024L);
    }

    private void aWindowIsBoundedInBytes(IntFunction<List<String>> names, long bound) throws Exception {
        AuditFloodAttackTest.FloodedLog flooded = AuditFloodAttackTest.floodedLog(
                tmp,
                alpha -> {},
                alpha -> AuditFloodAttackTest.flood(
                        alpha, WALKS, i -> new TMessage.Twalk(0, 1, names.apply(i)), Errno.ENOENT));
        SignedLogs logs = flooded.logs();
        long grown = flooded.grown();
        // The whole log once closed (an open segment's file is allocated ahead of its records).
        long bytes = logs.bytes();
        System.out.printf(
                "LongRefusalRecordsFloodAttackTest: %d refused walks of 16 distinct 255-byte names -> %d records, %d"
                        + " bytes of log%n",
                WALKS, grown, bytes);
        assertTrue(grown <= 64 + 1 + 16, "bounded: " + grown + " records for " + WALKS + " refusals");
        // What 64 ordinary kinds cost (XattrOffsetRefusalFloodAttackTest: 42 KB), with room.
        assertTrue(bytes <= bound, "a window's log is bounded in bytes too: " + bytes);
        long counted = logs.records().stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> Integer.valueOf(Errno.ENOENT.code()).equals(r.errno()))
                .filter(r -> r.detail() != null && r.detail().startsWith("action=walk"))
                .mapToLong(AuditRecord::requests)
                .sum();
        assertEquals(WALKS, counted, "every refusal is still counted");
    }

    /** 85 CJK characters, 255 bytes of UTF-8: {@code i}'s digits as U+4E00.. then U+540D to the end. */
    private static List<String> nonAsciiNames(int i) {
        StringBuilder name = new StringBuilder();
        String.valueOf(i).chars().forEach(d -> name.append((char) (0x4E00 + d - '0')));
        while (name.length() < 85) {
            name.append('\u540d');
        }
        return Collections.nCopies(16, name.toString());
    }

    private static List<String> longNames(int i) {
        String name = ("n" + i + "-").repeat(255).substring(0, 255);
        return Collections.nCopies(16, name);
    }
}

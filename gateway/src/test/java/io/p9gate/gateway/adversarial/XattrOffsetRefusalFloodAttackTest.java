package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2) on the offset an xattr value's Tread record says since 4043dc9a ({@code xattr NAME offset=N}):
 * the offset is a word the guest chooses freely, so each refused read past the value's end (EINVAL) is a refusal of
 * a new kind. 10,000 such reads at distinct offsets must still cost the log what 10,000 distinct walked names do
 * (AuditFloodAttackTest): the 64 kinds of the window's budget one by one, then one summary of the rest, and every
 * refusal counted.
 */
class XattrOffsetRefusalFloodAttackTest {
    private static final int READS = 10_000;

    @TempDir
    Path tmp;

    @Test
    void refusedXattrReadsAtDistinctOffsetsAreSummarisedAsDistinctNamesAre() throws Exception {
        AuditFloodAttackTest.FloodedLog flooded = AuditFloodAttackTest.floodedLog(
                tmp,
                alpha -> {
                    alpha.walk(0, 1, "notes.txt");
                    alpha.rpc(new TMessage.Txattrcreate(1, "user.k", 4, 0));
                    alpha.write(1, 0, "abcd".getBytes(StandardCharsets.US_ASCII));
                    alpha.clunk(1);
                    alpha.walk(0, 2, "notes.txt");
                    alpha.rpc(new TMessage.Txattrwalk(2, 3, "user.k"));
                },
                alpha ->
                        AuditFloodAttackTest.flood(alpha, READS, i -> new TMessage.Tread(3, 5L + i, 16), Errno.EINVAL));
        SignedLogs logs = flooded.logs();
        long grown = flooded.grown();
        List<AuditRecord> records = logs.records();
        System.out.printf(
                "XattrOffsetRefusalFloodAttackTest: %d refused xattr reads at distinct offsets -> %d records, %d bytes"
                        + " of log%n",
                READS, grown, logs.bytes());
        assertTrue(
                grown <= 64 + 1 + 16,
                "bounded: " + grown + " records for " + READS
                        + " refusals (64 different ones, one summary of the rest, session and checkpoint records)");
        long refused = records.stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> Integer.valueOf(Errno.EINVAL.code()).equals(r.errno())
                        && r.detail() != null
                        && r.detail().contains("xattr user.k"))
                .mapToLong(AuditRecord::requests)
                .sum();
        assertEquals(READS, refused, "every refused read is counted");
    }
}

package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-3 against a hostile guest: the records of requests that change nothing are held in the log's buffer and
 * written when a connection flushes its replies. A guest pipelining more looks than the 64 KiB buffer holds (it
 * overflows and is written from the workers, mid-batch) still never sees a reply before its record is in the
 * log's file, and the records of another VM's requests are there before its replies too. The log here has no
 * timer, so a record is in the file only because a flush or an overflow wrote it.
 *
 * <p>Probes that found nothing to fix; kept as regressions.
 */
class HeldRecordsAttackTest {
    /** About 300 bytes of record each: over twice the held buffer. */
    private static final int LOOKS = 500;

    @TempDir
    Path tmp;

    @Test
    void noReplyOfAPipelinedFloodOutrunsItsRecord() throws Exception {
        SignedLogs logs;
        try (AuditedPolicyGateway rig =
                        new AuditedPolicyGateway(tmp, l -> l.openUnchecked().holdingLooks());
                P9Client alpha = rig.alpha();
                P9Client beta = rig.beta()) {
            logs = rig.logs;
            List<PendingCall> calls = new ArrayList<>();
            for (int i = 0; i < LOOKS; i++) {
                calls.add(alpha.send(new TMessage.Tgetattr(0, 0x7ff)));
            }
            long betaBefore = count(rig, "beta");
            beta.getattr(0, 0x7ff); // answered while alpha's flood is served: its record is written first
            assertTrue(count(rig, "beta") > betaBefore, "beta's getattr was answered before its record was written");
            for (int i = 0; i < LOOKS; i++) {
                assertInstanceOf(RMessage.Rgetattr.class, alpha.await(calls.get(i)));
                if (i % 50 == 49 || i == LOOKS - 1) {
                    long recorded = count(rig, "alpha");
                    assertTrue(recorded >= i + 1, (i + 1) + " replies received, " + recorded + " records written");
                }
            }
        }
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * A guest that pipelines a flood of looks and drops the connection before reading a reply: the records of what
     * was served are still written (the session's close record, which is not held, or the log's timer writes them)
     * and the log verifies, the records of the requests answered into a closed socket included.
     */
    @Test
    void aFloodDroppedBeforeItsRepliesLeavesAVerifiableLog() throws Exception {
        SignedLogs logs;
        try (AuditedPolicyGateway rig =
                new AuditedPolicyGateway(tmp, l -> l.openUnchecked().holdingLooks())) {
            logs = rig.logs;
            P9Client alpha = rig.alpha();
            for (int i = 0; i < LOOKS; i++) {
                alpha.send(new TMessage.Tgetattr(0, 0x7ff));
            }
            alpha.close();
            try (P9Client beta = rig.beta()) {
                beta.getattr(0, 0x7ff);
            }
        }
        assertTrue(
                logs.records().stream().anyMatch(r -> "alpha".equals(r.vm()) && "getattr".equals(r.op())),
                "alpha's looks served before the close are recorded");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /**
     * Records of {@code vm}'s getattr the log's files hold now, from their bytes: the readers expect a closed log, and
     * a live one has a zeroed tail and a successor not yet named as a segment.
     */
    private static long count(AuditedPolicyGateway rig, String vm) throws Exception {
        long n = 0;
        try (Stream<Path> files = Files.list(rig.logs.dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                for (String line : new String(Files.readAllBytes(f), StandardCharsets.UTF_8).split("\n")) {
                    if (line.contains("\"op\":\"getattr\"") && line.contains("\"vm\":\"" + vm + "\"")) {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}

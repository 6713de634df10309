package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.LinuxClientTexts;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, 9P2000): a plain 9P2000 Rerror carries the error's text alone, and the Linux client takes its
 * errno from its own table of texts (net/9p/error.c, {@code p9_errstr2errno}); a text not in that table is
 * ESERVERFAULT (526) to the guest's program, and a "server reported unknown error" line in the guest's kernel log.
 * The gateway answers some errnos whose text that table lacks: ESTALE (a fid known by a name removed while its
 * file lives on elsewhere), EOVERFLOW (a create as an id the VM's map leaves unmapped, which under 9P2000 is every
 * create when the map leaves out guest nobody), EMEDIUMTYPE (a share it cannot serve). Such a reply told the guest
 * ESERVERFAULT while its record said ESTALE. Every 9P2000 error must be a text the client knows, and the record
 * must say the errno that text names.
 */
class LegacyErrorTextAttackTest {
    @TempDir
    Path tmp;

    /**
     * The host links a file alpha holds a fid on into alpha's hidden {@code /secret} and removes its name: the fid's
     * name is gone and its file lives on where alpha may not look, so alpha's Tstat through it is refused (ESTALE in
     * 9P2000.L).
     */
    @Test
    void aRefusalOfANameRemovedOnTheHostIsATextThe9P2000ClientKnowsAndItsRecordSaysItsErrno() throws Exception {
        SignedLogs logs;
        // Each Tstat's tag and reply: until the watcher reads the host's unlink, a Tstat is decided on the name the
        // fid was walked by and answered (an Rstat of that name); after, it is refused. Asked until refused.
        Map<Integer, RMessage> replies = new LinkedHashMap<>();
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client legacy = P9Client.connect(UnixDomainSocketAddress.of(rig.policy.alphaSocket), 65536)) {
            logs = rig.logs;
            Path held = Files.writeString(rig.policy.data.resolve("held.txt"), "held");
            legacy.version(65536, Dialect.LEGACY.version());
            assertInstanceOf(
                    RMessage.Rattach.class,
                    legacy.await(legacy.sendRaw(1, LegacyDialectBudgetAttackTest.tattach(1, Dialect.LEGACY))));
            legacy.walk(0, 1, "held.txt");
            Files.createLink(rig.policy.data.resolve("secret/held.txt"), held);
            Files.delete(held);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            RMessage reply;
            do {
                PendingCall stat = legacy.send(new TMessage.Tstat(1));
                reply = stat.reply().get(60, TimeUnit.SECONDS);
                replies.put(stat.tag(), reply);
            } while (!(reply instanceof RMessage.Rerror) && System.nanoTime() < deadline);
        }
        List<AuditRecord> records = logs.records();
        for (Map.Entry<Integer, RMessage> answered : replies.entrySet()) {
            List<AuditRecord> ofStat = records.stream()
                    .filter(r -> r.isDecision()
                            && "stat".equals(r.op())
                            && answered.getKey().equals(r.tag()))
                    .toList();
            assertEquals(1, ofStat.size(), "one record of the Tstat: " + ofStat);
            int told = answered.getValue() instanceof RMessage.Rerror error
                    ? LinuxClientTexts.ERRNOS.getOrDefault(error.ename(), -1)
                    : 0;
            assertTrue(told >= 0, "a text the Linux client knows: " + answered.getValue());
            assertEquals(told, ofStat.getFirst().errno(), "the errno the guest was told: " + answered.getValue());
        }
        assertInstanceOf(
                RMessage.Rerror.class, replies.values().stream().toList().getLast(), "refused in the end");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }
}

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
import java.util.List;
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
        RMessage reply;
        int statTag;
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
            PendingCall stat = legacy.send(new TMessage.Tstat(1));
            statTag = stat.tag();
            reply = stat.reply().get(60, TimeUnit.SECONDS);
        }
        String ename = assertInstanceOf(RMessage.Rerror.class, reply).ename();
        assertTrue(LinuxClientTexts.ERRNOS.containsKey(ename), "a text the Linux client knows: \"" + ename + "\"");
        List<AuditRecord> records = logs.records().stream()
                .filter(r -> r.isDecision() && "stat".equals(r.op()) && r.tag() != null && r.tag() == statTag)
                .toList();
        assertEquals(1, records.size(), "one record of the Tstat: " + records);
        assertEquals(LinuxClientTexts.ERRNOS.get(ename), records.getFirst().errno(), "the errno the guest was told");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }
}

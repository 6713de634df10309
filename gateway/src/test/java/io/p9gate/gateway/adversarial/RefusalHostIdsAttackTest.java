package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-AUD-1, R-POL-5): a refusal the gateway makes itself, before asking the policy (a Tattach of another
 * VM's share, a create through an opened fid, a budget), was recorded with the guest's ids as its host ids, as if
 * no map applied: guest root of alpha ({guest: 0, host: 100000}) read as host_uid 0, host root, beside the same
 * session's allowed records naming host 100000 (found with a real guest mounting another VM's share over TLS: its
 * refused Tattach said host_uid 65534, the allowed one 4294967294). Its host ids are what the VM's map makes of them.
 */
class RefusalHostIdsAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aRefusalBeforeThePolicyNamesTheHostIdsTheVmsMapGives() throws Exception {
        List<String> refusals = alphasRefusals((rig, alpha) -> {
            refused(Errno.ENOENT, () -> alpha.attach(5, "root", "other", 0)); // beta's share: no-share
            alpha.walk(0, 1, "notes.txt");
            alpha.lopen(1, 0);
            refused(Errno.EINVAL, () -> alpha.lcreate(1, "x", 0, 0644, 0)); // through an opened fid: fid-open
        });
        assertEquals(
                List.of("attach [no-share] host 100000:165534", "lcreate [fid-open] host 100000:165534"), refusals);
    }

    /**
     * The confinement refusal: a directory alpha holds open is moved out of its share on the host, so the handle has
     * no path inside it; the gateway refuses the listing without asking the policy, with the ids alpha's map gives.
     */
    @Test
    void aConfinementRefusalNamesTheHostIdsTheVmsMapGives() throws Exception {
        List<String> refusals = alphasRefusals((rig, alpha) -> {
            alpha.walk(0, 1, "cache");
            alpha.lopen(1, 0);
            Files.move(rig.policy.data.resolve("cache"), tmp.resolve("moved-away"));
            refused(Errno.EACCES, () -> alpha.readdir(1, 0, 8192));
        });
        assertEquals(List.of("readdir [confinement] host 100000:165534"), refusals);
    }

    private interface Steps {
        void run(AuditedPolicyGateway rig, P9Client alpha) throws Exception;
    }

    /** Runs {@code steps} as a guest of alpha; its refusals' records, as "op [rules] host uid:gid". */
    private List<String> alphasRefusals(Steps steps) throws Exception {
        SignedLogs logs;
        try (AuditedPolicyGateway rig = new AuditedPolicyGateway(tmp);
                P9Client alpha = rig.alpha()) {
            logs = rig.logs;
            steps.run(rig, alpha);
        }
        return logs.records().stream()
                .filter(r -> r.isDecision() && "alpha".equals(r.vm()) && "deny".equals(r.decision()))
                .map(r -> r.op() + " " + r.rules() + " host " + r.hostUid() + ":" + r.hostGid())
                .toList();
    }

    private static void refused(Errno errno, Executable request) {
        assertEquals(errno, assertThrows(P9Exception.class, request).errno());
    }
}

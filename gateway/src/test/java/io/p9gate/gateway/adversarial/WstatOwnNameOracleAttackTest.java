package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 14 against R-POL-4: a Twstat naming the file's own name changes nothing and was answered Rwstat
 * before any decision, while any other name is a rename, decided on the file's path. A guest holding a fid of a
 * file the host then moved under a hidden subtree (and renamed) could therefore guess the file's new name: the
 * right guess was Rwstat with no record, every wrong one ENOENT. Its own name is now said only where the guest may
 * stat the file (Tstat shows the name after the same guarded getattr).
 */
class WstatOwnNameOracleAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aHeldFidCannotConfirmTheNameOfAFileMovedUnderAHiddenSubtree() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "hidden: [/vault]", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("vault"));
            Files.createDirectories(share.resolve("pub"));
            Files.writeString(share.resolve("pub/draft"), "x");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "pub", "draft");
                Files.move(share.resolve("pub/draft"), share.resolve("vault/merger-plan"));

                assertEquals(Errno.ENOENT, refusal(guest, "wrong-guess"), "a wrong guess");
                int before = gw.records.size();
                assertEquals(Errno.ENOENT, refusal(guest, "merger-plan"), "the right guess must look the same");
                List<AuditEntry> recorded = gw.records.subList(before, gw.records.size());
                assertTrue(
                        recorded.stream()
                                .anyMatch(r -> !r.decision().allowed()
                                        && r.request().paths().equals(List.of("vault/merger-plan"))),
                        "the guess is recorded as a refusal: " + recorded);
            }
            assertTrue(Files.exists(share.resolve("vault/merger-plan")));
        }
    }

    private static Errno refusal(P9Client guest, String name) {
        TMessage.Twstat rename = Wstats.unix(1, Wstats.common(-1, name, -1, -1, -1L, ""), -1, -1);
        return assertThrows(P9Exception.class, () -> guest.rpc(rename)).errno();
    }
}

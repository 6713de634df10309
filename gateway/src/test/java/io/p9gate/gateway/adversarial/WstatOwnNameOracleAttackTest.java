package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
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
            try (P9Client guest = holdingAFidTheHostMoves(gw, "pub", "vault/merger-plan")) {
                assertEquals(Errno.ENOENT, refusal(guest, "wrong-guess"), "a wrong guess");
                int before = gw.records.size();
                assertEquals(Errno.ENOENT, refusal(guest, "merger-plan"), "the right guess must look the same");
                List<AuditEntry> recorded = gw.records.subList(before, gw.records.size());
                assertTrue(
                        recorded.stream()
                                .anyMatch(r -> !r.decision().allowed()
                                        && r.request()
                                                .paths()
                                                .equals(List.of("vault/merger-plan", "vault/merger-plan"))),
                        "the guess is recorded as a refusal: " + recorded);
            }
            assertTrue(Files.exists(share.resolve("vault/merger-plan")));
        }
    }

    /**
     * Where the guest may neither stat a file (a deny of GETATTR) nor rename it (a read-only subtree), a Twstat to
     * the file's own name was answered by a guarded getattr (EACCES) and any other name by the rename (EROFS), which
     * name the file has being looked at before either decision: a guest holding a fid of a file the host renamed
     * could try names until one answered EACCES. Every name is now the rename's to decide, its own too: the same
     * refusal for every guess, one RENAME record each.
     */
    @Test
    void aFileTheGuestMayNotStatHasNoNameToConfirm() throws Exception {
        String options = """
                read-only: [/ro]
                rules:
                  - {effect: deny, ops: [GETATTR], paths: ["/ro/**"]}""";
        try (HostShareGateway gw = HostShareGateway.serving(tmp, options, "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("ro"));
            try (P9Client guest = holdingAFidTheHostMoves(gw, "ro", "ro/merger-plan")) {
                for (String guess : List.of("wrong-guess", "merger-plan")) {
                    int before = gw.records.size();
                    assertEquals(Errno.EROFS, refusal(guest, guess), guess);
                    List<AuditEntry> recorded = List.copyOf(gw.records.subList(before, gw.records.size()));
                    assertEquals(1, recorded.size(), guess + ": " + recorded);
                    assertEquals(Operation.RENAME, recorded.getFirst().request().operation(), guess);
                    assertEquals(
                            List.of("ro/merger-plan", "ro/" + guess),
                            recorded.getFirst().request().paths(),
                            guess);
                }
            }
            assertTrue(Files.exists(share.resolve("ro/merger-plan")));
        }
    }

    /** A .u guest holding fid 1 of {@code dir/draft}, which the host then moves to {@code movedTo}. */
    private static P9Client holdingAFidTheHostMoves(HostShareGateway gw, String dir, String movedTo) throws Exception {
        Path share = gw.share("data");
        Files.createDirectories(share.resolve(dir));
        Files.writeString(share.resolve(dir + "/draft"), "x");
        P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536);
        guest.version(65536, "9P2000.u");
        guest.attach(0, "root", "data", 0);
        guest.walk(0, 1, dir, "draft");
        Files.move(share.resolve(dir + "/draft"), share.resolve(movedTo));
        return guest;
    }

    private static Errno refusal(P9Client guest, String name) {
        TMessage.Twstat rename = Wstats.unix(1, Wstats.common(-1, name, -1, -1, -1L, ""), -1, -1);
        return assertThrows(P9Exception.class, () -> guest.rpc(rename)).errno();
    }
}

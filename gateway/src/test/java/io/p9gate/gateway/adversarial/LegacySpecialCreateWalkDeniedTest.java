package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 9P2000.u Tcreate of a symlink or named pipe is a Tsymlink or Tmknod and then a walk of the fid onto what was
 * made (create(5): the fid becomes the new file), each decided and recorded as its 9P2000.L twin. Under a policy that
 * allows the create but refuses WALK of the new name, the file is made and the guest is told EACCES. Left as it is
 * (docs/protocol.md, "Tcreate"): the guest is told what the walk was told, and the log says both what was made and
 * what was refused; a 9P2000.L guest that walks to what it made is refused the same way. This test pins that the
 * records say exactly that, so a change of the behaviour is a conscious one.
 */
class LegacySpecialCreateWalkDeniedTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {Stat.DMSYMLINK, Stat.DMNAMEDPIPE})
    void aSpecialFileMadeButNotWalkableIsRecordedAsMadeAndItsWalkAsRefused(int type) throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, """
                rules:
                  - {id: unwalkable, effect: deny, ops: [WALK], paths: ["/made"]}
                """, "data")) {
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1);
                int before = gw.records.size();
                Errno told = assertThrows(
                                P9Exception.class,
                                () -> guest.rpc(new TMessage.Tcreate(
                                        1, "made", type | 0644, 0, Optional.of(type == Stat.DMSYMLINK ? "t" : ""))))
                        .errno();
                assertEquals(Errno.EACCES, told, "the walk onto the new file is refused");
                assertTrue(
                        Files.exists(gw.share("data").resolve("made"), LinkOption.NOFOLLOW_LINKS),
                        "the file was made before the walk");
                List<String> recorded = gw.records.subList(before, gw.records.size()).stream()
                        .map(LegacySpecialCreateWalkDeniedTest::shown)
                        .toList();
                String made = type == Stat.DMSYMLINK ? "SYMLINK" : "MKNOD";
                assertEquals(
                        List.of("GETATTR  true null", made + " made true null", "WALK made false EACCES"),
                        recorded,
                        "the directory's getattr, the make (answered), the walk (refused, the guest's errno)");
            }
        }
    }

    private static String shown(AuditEntry r) {
        List<String> paths = r.request().paths();
        return r.request().operation() + " " + paths.getLast() + " "
                + r.decision().allowed() + " " + r.outcome().errno();
    }
}

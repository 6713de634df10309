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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (create(5) over 9P2000.u): a Tcreate makes one file, opened with the mode given. A perm naming two file
 * types made one of them and dropped the other (DMDIR|DMSYMLINK made a directory, the target ignored; DMSYMLINK|DMDEVICE
 * a symlink to "c 1 3"), and ORCLOSE on a symlink, pipe, socket, device or hard link was dropped: such an entry is not
 * opened, so no clunk removed it, and the guest was told Rcreate for a temporary entry that stayed, its removal never
 * asked. Now both are EINVAL before anything is made or decided, recorded as a denial of the request they ask for.
 */
class SpecialCreateModeAttackTest {
    private static final int DMLINK = 0x01000000;
    private static final int OREAD = 0;
    private static final int ORCLOSE = 0x40;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "perm 0x{0} mode 0x{1} ({2})")
    @CsvSource({
        "82000000, 0, 'two types: directory and symlink', MKDIR, mode-bits",
        "02800000, 0, 'two types: symlink and device', SYMLINK, mode-bits",
        "00300000, 0, 'two types: pipe and socket', MKNOD, mode-bits",
        "03000000, 0, 'two types: symlink and hard link', SYMLINK, mode-bits",
        "02000000, 40, 'ORCLOSE on a symlink', SYMLINK, special-open-mode",
        "00200000, 40, 'ORCLOSE on a named pipe', MKNOD, special-open-mode",
        "00100000, 40, 'ORCLOSE on a socket', MKNOD, special-open-mode",
        "01000000, 40, 'ORCLOSE on a hard link', LINK, special-open-mode",
    })
    void aCreateOfWhatCannotBeMadeAsAskedMakesNothingAndIsRecorded(
            String perm, String mode, String what, String op, String rule) throws Exception {
        int asked = Integer.parseUnsignedInt(perm, 16) | 0644;
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("f"), "linked");
            try (P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                guest.version(65536, "9P2000.u");
                guest.attach(0, "root", "data", 0);
                guest.walk(0, 1, "f");
                guest.walk(0, 2);
                String extension = (asked & DMLINK) != 0 ? "1" : (asked & Stat.DMDEVICE) != 0 ? "c 1 3" : "f";
                int before = gw.records.size();
                P9Exception refused = assertThrows(
                        P9Exception.class,
                        () -> guest.rpc(new TMessage.Tcreate(
                                2, "x", asked, Integer.parseInt(mode, 16) | OREAD, Optional.of(extension))),
                        what);
                assertEquals(Errno.EINVAL, refused.errno(), what);
                guest.clunk(2);
                assertTrue(Files.notExists(share.resolve("x"), LinkOption.NOFOLLOW_LINKS), what + ": nothing made");
                List<String> records = gw.records.subList(before, gw.records.size()).stream()
                        .filter(r -> r.request().paths().equals(List.of("x")))
                        .map(SpecialCreateModeAttackTest::shown)
                        .toList();
                assertEquals(List.of(op + " [" + rule + "] EINVAL"), records, what);
            }
        }
    }

    private static String shown(AuditEntry r) {
        return r.request().operation() + " " + r.decision().ruleIds() + " "
                + r.outcome().errno();
    }
}

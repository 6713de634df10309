package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Round 3 of the raw-client red team: a Twstat mode carrying bits the gateway cannot apply (9P2000's set-id bits,
 * which only .u defines; DMAUTH, DMMOUNT, DMTMP; an undefined bit) was answered Rwstat and recorded as an allowed
 * SETATTR while the bits were silently dropped: the guest was told a chmod it asked for happened. Plan 9's file
 * servers (fossil, kfs) refuse such a wstat ("wstat -- unknown bits in qid.type/mode"); so does the gateway now,
 * EINVAL, nothing changed, one SETATTR deny record with that errno.
 */
class WstatUnappliedModeBitsAttackTest {
    private static final int OWRITE = 1;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} mode 0x{1}")
    @CsvSource({
        "9P2000, 000801ed", // DMSETUID | 0755: no set-uid bit in 9P2000
        "9P2000, 000401ed", // DMSETGID | 0755
        "9P2000, 080001ed", // DMAUTH | 0755
        "9P2000.u, 100001ed", // DMMOUNT | 0755
        "9P2000.u, 040001ed", // DMTMP | 0755: a hint the host cannot keep
        "9P2000.u, 000011ed", // an undefined bit (0x1000) | 0755
    })
    void aModeWithBitsTheGatewayCannotApplyIsRefusedAndRecorded(String dialect, String hexMode) throws Exception {
        int mode = Integer.parseUnsignedInt(hexMode, 16);
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path file = gw.share("data").resolve("f");
            Files.writeString(file, "x");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            try (P9Client guest = holdingFid1Of(gw, dialect, "f")) {
                int before = gw.records.size();
                TMessage.Twstat chmod = dialect.equals("9P2000")
                        ? Wstats.chmod(1, mode)
                        : Wstats.unix(1, Wstats.common(mode, "", -1, -1, -1L, ""), -1, -1);

                P9Exception refused = assertThrows(P9Exception.class, () -> guest.rpc(chmod));

                assertEquals(Errno.EINVAL, refused.errno());
                assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
                List<AuditEntry> setattrs = gw.records.subList(before, gw.records.size()).stream()
                        .filter(r -> r.request().operation() == Operation.SETATTR)
                        .toList();
                assertEquals(1, setattrs.size(), "one SETATTR record: " + setattrs);
                assertEquals(false, setattrs.getFirst().decision().allowed(), setattrs.toString());
                assertEquals(Errno.EINVAL, setattrs.getFirst().outcome().errno(), setattrs.toString());
            }
        }
    }

    /**
     * The same bits in a Tcreate's perm (and DMAPPEND, DMEXCL, which create(5) would make an append-only or
     * exclusive-use file) were dropped too: an ordinary file was made and Rcreate answered. Refused now, EINVAL,
     * nothing made, one CREATE deny record with that errno.
     */
    @ParameterizedTest(name = "{0} perm 0x{1}")
    @CsvSource({
        "9P2000, 400001a4", // DMAPPEND | 0644
        "9P2000, 200001a4", // DMEXCL | 0644
        "9P2000, 000801a4", // DMSETUID | 0644: no set-uid bit in 9P2000
        "9P2000.u, 080001a4", // DMAUTH | 0644
        "9P2000.u, 040001a4", // DMTMP | 0644
        "9P2000.u, 000011a4", // an undefined bit (0x1000) | 0644
    })
    void aCreateWithBitsTheGatewayCannotApplyIsRefusedAndRecorded(String dialect, String hexPerm) throws Exception {
        int perm = Integer.parseUnsignedInt(hexPerm, 16);
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("d"));
            try (P9Client guest = holdingFid1Of(gw, dialect, "d")) {
                int before = gw.records.size();
                P9Exception refused = assertThrows(
                        P9Exception.class,
                        () -> guest.rpc(new TMessage.Tcreate(
                                1,
                                "log",
                                perm,
                                OWRITE,
                                dialect.equals("9P2000") ? Optional.empty() : Optional.of(""))));

                assertEquals(Errno.EINVAL, refused.errno());
                assertEquals(false, Files.exists(share.resolve("d/log")), "nothing made");
                List<AuditEntry> creates = gw.records.subList(before, gw.records.size()).stream()
                        .filter(r -> r.request().operation() == Operation.CREATE)
                        .toList();
                assertEquals(1, creates.size(), "one CREATE record: " + creates);
                assertEquals(false, creates.getFirst().decision().allowed(), creates.toString());
                assertEquals(Errno.EINVAL, creates.getFirst().outcome().errno(), creates.toString());
            }
        }
    }

    /**
     * In .u the set-id and sticky bits of a Tcreate's perm are honoured, as a Tlcreate's or Tmkdir's mode bits
     * are: they were accepted and dropped (perm & 0777), the guest told of a sticky directory or a set-gid file that
     * was made without the bit.
     */
    @ParameterizedTest(name = "perm 0x{0}")
    @CsvSource({
        "800101ed, 1000, true", // DMDIR | DMSETVTX | 0755: mkdir(01755) of a .u guest
        "800401ed, 2000, true", // DMDIR | DMSETGID | 0755
        "000401ed, 2000, false", // DMSETGID | 0755: open(O_CREAT, 02755)
        "000801ed, 4000, false", // DMSETUID | 0755
    })
    void aUnixCreateKeepsTheSetIdAndStickyBitsAsked(String hexPerm, String octalBit, boolean directory)
            throws Exception {
        int perm = Integer.parseUnsignedInt(hexPerm, 16);
        int bit = Integer.parseInt(octalBit, 8);
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path share = gw.share("data");
            Files.createDirectories(share.resolve("d"));
            Files.setPosixFilePermissions(share.resolve("d"), PosixFilePermissions.fromString("rwxr-xr-x"));
            try (P9Client guest = holdingFid1Of(gw, "9P2000.u", "d")) {
                guest.rpc(new TMessage.Tcreate(1, "made", perm, directory ? 0 : OWRITE, Optional.of("")));

                int shown = ((RMessage.Rstat) guest.rpc(new TMessage.Tstat(1)))
                        .stat()
                        .common()
                        .mode();
                int shownBit = bit == 01000 ? 0x00010000 : bit == 02000 ? 0x00040000 : 0x00080000;
                assertEquals(shownBit, shown & shownBit, "the guest reads back the bit asked: 0x" + hexPerm);
                assertEquals(0755, shown & 0777);
                // As for a Tlcreate: a set-id file owned by a VM's mapped id would let any host user become it.
                int host =
                        (Integer) Files.getAttribute(share.resolve("d/made"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
                assertEquals(directory ? bit : 0, host & 07000, "host mode 0" + Integer.toOctalString(host));
            }
        }
    }

    /** A session of {@code dialect} ("9P2000" or "9P2000.u") whose fid 1 is {@code name} at the share's root. */
    static P9Client holdingFid1Of(HostShareGateway gw, String dialect, String name) throws Exception {
        P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536);
        Dialect asked = dialect.equals("9P2000") ? Dialect.LEGACY : Dialect.U;
        guest.version(65536, asked.version());
        assertInstanceOf(
                RMessage.Rattach.class, guest.await(guest.sendRaw(1, LegacyDialectBudgetAttackTest.tattach(1, asked))));
        guest.walk(0, 1, name);
        return guest;
    }

    /** The bits each dialect does apply still change the mode: permissions in 9P2000, set-gid in .u too. */
    @ParameterizedTest(name = "{0} mode 0x{1}")
    @CsvSource({"9P2000, 000001c0, rwx------", "9P2000.u, 000401c0, rwx------"})
    void aModeWithAppliedBitsStillChangesTheFile(String dialect, String hexMode, String expected) throws Exception {
        int mode = Integer.parseUnsignedInt(hexMode, 16);
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            Path file = gw.share("data").resolve("f");
            Files.writeString(file, "x");
            // The guest's root's file: set-gid is refused for a group outside the VM's map (SetIdBits)
            Files.setAttribute(file, "unix:uid", 100000, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(file, "unix:gid", 100000, LinkOption.NOFOLLOW_LINKS);
            try (P9Client guest = holdingFid1Of(gw, dialect, "f")) {
                guest.rpc(
                        dialect.equals("9P2000")
                                ? Wstats.chmod(1, mode)
                                : Wstats.unix(1, Wstats.common(mode, "", -1, -1, -1L, ""), -1, -1));
                assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
        }
    }
}

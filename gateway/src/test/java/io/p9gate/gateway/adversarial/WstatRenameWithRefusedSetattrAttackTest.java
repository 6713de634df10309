package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of issue 14 (stat(5) "wstat": all or nothing; R-AUD-1): a Twstat that renames a file and changes its
 * attributes in one is a Trename and then a Tsetattr. Every check the Tsetattr makes was made before the rename
 * (the file's type, its length, the quota, the owner map), but not the policy's own SETATTR question: where a rule
 * refuses SETATTR (or OPEN_WRITE, which a length change asks too) at the file's new name, the rename was made and
 * recorded allowed, then the Tsetattr refused, and the guest was told EACCES for a wstat that had renamed the file.
 * A raw .u or 9P2000 client sends both in one (the Linux client never does).
 */
class WstatRenameWithRefusedSetattrAttackTest {
    @TempDir
    Path tmp;

    /** A deny of SETATTR on scripts: a wstat renaming notes.txt to notes.sh and making it executable in one. */
    @Test
    void aRenameWithAModeTheRuleRefusesThereRenamesNothing() throws Exception {
        String options = """
                rules:
                  - {id: no-script-modes, effect: deny, ops: [SETATTR], paths: ["/**/*.sh"]}""";
        try (HostShareGateway gw = HostShareGateway.serving(tmp, options, "data")) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("notes.txt"), "echo hi\n");
            Files.setPosixFilePermissions(share.resolve("notes.txt"), PosixFilePermissions.fromString("rw-r--r--"));
            try (P9Client guest = dotU(gw)) {
                guest.walk(0, 1, "notes.txt");
                int before = gw.records.size();
                TMessage.Twstat both = Wstats.unix(1, Wstats.common(0755, "notes.sh", -1, -1, -1L, ""), -1, -1);
                assertEquals(Errno.EACCES, refused(guest, both), "the wstat is refused");
                assertUnchanged(share, "notes.txt", "notes.sh");
                assertEquals(
                        "rw-r--r--",
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("notes.txt"))),
                        "the mode is unchanged");
                List<AuditEntry> recorded = List.copyOf(gw.records.subList(before, gw.records.size()));
                assertFalse(
                        recorded.stream()
                                .anyMatch(r -> r.request().operation() == Operation.RENAME
                                        && r.decision().allowed()),
                        "no rename recorded as allowed: " + recorded);
                assertTrue(
                        recorded.stream()
                                .anyMatch(r -> r.request().operation() == Operation.SETATTR
                                        && !r.decision().allowed()
                                        && r.decision()
                                                .ruleIds()
                                                .contains("vm.guest.share.data.rules.no-script-modes")),
                        "the SETATTR's refusal is recorded: " + recorded);
                // Each alone is served as before: the rename, then the mode where no rule refuses it.
                guest.rpc(Wstats.unix(1, Wstats.common(-1, "notes.md", -1, -1, -1L, ""), -1, -1));
                guest.rpc(Wstats.unix(1, Wstats.common(0700, "", -1, -1, -1L, ""), -1, -1));
            }
            assertTrue(Files.exists(share.resolve("notes.md")));
            assertEquals(
                    "rwx------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("notes.md"))));
        }
    }

    /**
     * A deny of OPEN_WRITE (no script is rewritten; a length change is a write of the file's data): a wstat renaming
     * a file into the rule's names and truncating it in one, in 9P2000.
     */
    @Test
    void aRenameWithALengthTheRuleRefusesThereRenamesNothing() throws Exception {
        String options = """
                rules:
                  - {id: no-script-writes, effect: deny, ops: [OPEN_WRITE], paths: ["/**/*.sh"]}""";
        try (HostShareGateway gw = HostShareGateway.serving(tmp, options, "data")) {
            Path share = gw.share("data");
            Files.writeString(share.resolve("draft.txt"), "echo draft\n");
            try (P9Client guest = legacy(gw)) {
                guest.walk(0, 1, "draft.txt");
                TMessage.Twstat both = Wstats.plain(1, Wstats.common(-1, "draft.sh", -1, -1, 0L, ""));
                assertEquals(Errno.EACCES, refused(guest, both), "the wstat is refused");
                assertUnchanged(share, "draft.txt", "draft.sh");
                assertEquals("echo draft\n", Files.readString(share.resolve("draft.txt")));
            }
        }
    }

    private static void assertUnchanged(Path share, String name, String refusedName) {
        assertTrue(Files.exists(share.resolve(name)), name + " is still there (stat(5): all or nothing)");
        assertFalse(Files.exists(share.resolve(refusedName)), refusedName + " was not made by a refused wstat");
    }

    private static P9Client dotU(HostShareGateway gw) throws Exception {
        P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536);
        guest.version(65536, "9P2000.u");
        guest.attach(0, "root", "data", 0);
        return guest;
    }

    private static P9Client legacy(HostShareGateway gw) throws Exception {
        P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536);
        guest.version(65536, "9P2000");
        // A 9P2000 Tattach has no n_uname: laid out by hand (fid 0, share "data").
        assertInstanceOf(
                RMessage.Rattach.class,
                guest.await(guest.sendRaw(1, LegacyDialectBudgetAttackTest.tattach(1, Dialect.LEGACY))));
        return guest;
    }

    private static Errno refused(P9Client guest, TMessage request) {
        return assertThrows(P9Exception.class, () -> guest.rpc(request)).errno();
    }
}

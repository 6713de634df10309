package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.ids.IdRange;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (docs/policy.md, "uid/gid mapping"): in a share without {@code permissions: enforce}, a VM whose map
 * gives guest ids 0-65535 host ids 100000-165535 handed files to host uid/gid 65534, the overflow id that the host's
 * own nobody and every other VM's unmapped ids share, outside its own host range: a Tsetattr to uid or gid 70000, a
 * Tlcreate/Tmkdir/Tsymlink/Tmknod naming gid 70000 or -1, a guest attached as uid 70000 creating. As a user namespace
 * refuses (chown(2): EINVAL; a create as an unmapped fsuid/fsgid: EOVERFLOW), such a request is now refused before
 * anything changes and recorded by the share's {@code ids.unmapped-id} rule. Guest 65534 keeps working where the map
 * maps it, and a VM without a map keeps the overflow id.
 */
class UnmappedOwnerAttackTest {
    private static final int O_RDWR = 2;
    private static final int S_IFIFO = 0010000;
    private static final int UNMAPPED = 70000;
    private static final int NO_ID = -1;
    private static final int NOBODY = 65534;
    private static final int OVERFLOW = (int) IdRange.MAX_ID;
    private static final int GUEST_USER = 1000;
    private static final int BASE = HostShareGateway.HOST_ID_BASE;
    private static final String RULE = "vm.guest.share.data.ids.unmapped-id";

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "the gateway chowns only as root");
    }

    @Test
    void aChownToAnUnmappedIdChangesNothing() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            Path file = Files.writeString(gw.share("data").resolve("f"), "x");
            guest.walk(0, 1, "f");
            int both = SetAttr.SETATTR_UID | SetAttr.SETATTR_GID;
            assertEquals(Errno.EINVAL, errno(() -> guest.setattr(1, chown(SetAttr.SETATTR_UID, UNMAPPED, NO_ID))));
            assertEquals(Errno.EINVAL, errno(() -> guest.setattr(1, chown(SetAttr.SETATTR_GID, NO_ID, UNMAPPED))));
            assertEquals(Errno.EINVAL, errno(() -> guest.setattr(1, chown(both, GUEST_USER, UNMAPPED))));
            // With its bit set, -1 is an id no map holds; in a field whose bit is clear it is nothing.
            assertEquals(Errno.EINVAL, errno(() -> guest.setattr(1, chown(SetAttr.SETATTR_GID, NO_ID, NO_ID))));
            assertEquals(0, owner(file, "uid"), "unchanged by the refused chowns");
            assertEquals(0, owner(file, "gid"));
            List<AuditEntry> denied = denials(gw, Operation.SETATTR);
            assertEquals(4, denied.size(), "each refusal recorded: " + gw.records);
            denied.forEach(d -> assertEquals(Errno.EINVAL, d.decision().errno()));
            assertTrue(
                    denied.getFirst().request().detail().contains("uid=70000"),
                    denied.getFirst().request().detail());

            // What the Linux client sends: a chmod with -1 in the owner fields it does not set; a chown to its own ids.
            guest.setattr(1, new SetAttr(SetAttr.SETATTR_MODE, 0640, NO_ID, NO_ID, 0, 0, 0, 0, 0));
            guest.setattr(1, chown(both, GUEST_USER, NOBODY));
            assertEquals(BASE + GUEST_USER, owner(file, "uid"));
            assertEquals(BASE + NOBODY, owner(file, "gid"), "the guest's nobody is its own: mapped");
        }
    }

    @Test
    void nothingIsMadeForAnUnmappedOrMissingGid() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            for (int gid : new int[] {UNMAPPED, NO_ID}) {
                guest.walk(0, 1);
                assertEquals(Errno.EOVERFLOW, errno(() -> guest.lcreate(1, "f", O_RDWR, 0644, gid)), "gid " + gid);
                assertEquals(Errno.EOVERFLOW, errno(() -> guest.mkdir(0, "d", 0755, gid)));
                assertEquals(Errno.EOVERFLOW, errno(() -> guest.symlink(0, "l", "f", gid)));
                assertEquals(
                        Errno.EOVERFLOW,
                        errno(() -> guest.rpc(new TMessage.Tmknod(0, "p", S_IFIFO | 0644, 0, 0, gid))));
                guest.clunk(1);
            }
            assertEquals(List.of(), names(gw.share("data")), "nothing made");
            for (Operation op : List.of(Operation.CREATE, Operation.MKDIR, Operation.SYMLINK, Operation.MKNOD)) {
                List<AuditEntry> denied = denials(gw, op);
                assertEquals(2, denied.size(), op + ": " + gw.records);
                denied.forEach(d -> assertEquals(Errno.EOVERFLOW, d.decision().errno()));
            }
            guest.walk(0, 1);
            guest.lcreate(1, "mine", O_RDWR, 0644, GUEST_USER);
            assertEquals(BASE + GUEST_USER, owner(gw.share("data").resolve("mine"), "gid"));
        }
    }

    @Test
    void aGuestAttachedAsAnUnmappedUidMakesNothing() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", UNMAPPED)) {
            guest.walk(0, 1);
            assertEquals(Errno.EOVERFLOW, errno(() -> guest.lcreate(1, "f", O_RDWR, 0644, GUEST_USER)));
            assertEquals(Errno.EOVERFLOW, errno(() -> guest.mkdir(0, "d", 0755, GUEST_USER)));
            assertEquals(List.of(), names(gw.share("data")));
            assertEquals(1, denials(gw, Operation.CREATE).size());
            assertEquals(
                    UNMAPPED, denials(gw, Operation.CREATE).getFirst().request().uid());
        }
    }

    /** The Linux client's first attach names no uid (n_uname -1): guest nobody, which this map maps. */
    @Test
    void guestNobodyIsTheVmsOwnWhereTheMapMapsIt() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = gw.attached("data", TMessage.NONUNAME)) {
            guest.walk(0, 1);
            guest.lcreate(1, "n", O_RDWR, 0644, NOBODY);
            Path made = gw.share("data").resolve("n");
            assertEquals(BASE + NOBODY, owner(made, "uid"));
            assertEquals(BASE + NOBODY, owner(made, "gid"));
        }
    }

    /** Without {@code ids} every guest id is the overflow id, as documented: nothing of it is refused. */
    @Test
    void aVmWithoutAMapKeepsTheOverflowId() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            withoutMap(gw);
            try (P9Client guest = gw.attached("data", UNMAPPED)) {
                guest.walk(0, 1);
                guest.lcreate(1, "f", O_RDWR, 0644, UNMAPPED);
                // (u32)-2: no host process runs as it, unlike the host's nobody (65534).
                assertEquals(OVERFLOW, owner(gw.share("data").resolve("f"), "uid"));
                assertEquals(OVERFLOW, owner(gw.share("data").resolve("f"), "gid"));
            }
        }
    }

    /**
     * Without {@code ids} a chown to any id is the overflow id on the host, in 9P2000.L (Tsetattr) and 9P2000.u (Twstat
     * n_uid, or the id as text) alike; the overflow id 4294967294 itself, what host root's file is shown as, leaves its
     * owner alone in both (ShownOwnerChownAttackTest; before, it gave the file to 4294967294). (u32)-1 is no id: .u cannot ask it (n_uid
     * -1 is "don't touch", the text "4294967295" EINVAL, rule owner-name), and a Tsetattr naming it with its bit set
     * was allowed and recorded as a chown to 4294967295 while the kernel's chown(-1) changed nothing; it is EINVAL
     * now, as with a map.
     */
    @Test
    void withoutAMapBothDialectsChownAlike() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data")) {
            withoutMap(gw);
            Path data = gw.share("data");
            try (P9Client l = gw.attached("data", GUEST_USER);
                    P9Client u = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
                u.version(65536, "9P2000.u");
                u.attach(0, "u", "data", GUEST_USER);
                for (int id : new int[] {OVERFLOW, UNMAPPED}) {
                    String name = Integer.toUnsignedString(id);
                    Files.writeString(data.resolve("l" + name), "x");
                    Files.writeString(data.resolve("u" + name), "x");
                    Files.writeString(data.resolve("t" + name), "x");
                    l.walk(0, 1, "l" + name);
                    l.setattr(1, chown(SetAttr.SETATTR_UID, id, NO_ID));
                    u.walk(0, 1, "u" + name);
                    u.rpc(Wstats.unix(1, Wstats.common(-1, "", -1, -1, -1L, ""), id, -1));
                    u.walk(0, 2, "t" + name);
                    u.rpc(Wstats.unix(2, Wstats.common(-1, "", -1, -1, -1L, name), -1, -1));
                    for (String each : new String[] {"l", "u", "t"}) {
                        assertEquals(
                                id == OVERFLOW ? 0 : OVERFLOW, owner(data.resolve(each + name), "uid"), each + name);
                    }
                    l.clunk(1);
                    u.clunk(1);
                    u.clunk(2);
                }
                Path file = Files.writeString(data.resolve("f"), "x");
                l.walk(0, 1, "f");
                assertEquals(Errno.EINVAL, errno(() -> l.setattr(1, chown(SetAttr.SETATTR_UID, NO_ID, NO_ID))));
                assertEquals(Errno.EINVAL, errno(() -> l.setattr(1, chown(SetAttr.SETATTR_GID, NO_ID, NO_ID))));
                u.walk(0, 1, "f");
                assertEquals(
                        Errno.EINVAL,
                        errno(() -> u.rpc(Wstats.unix(1, Wstats.common(-1, "", -1, -1, -1L, "4294967295"), -1, -1))));
                assertEquals(0, owner(file, "uid"));
                List<AuditEntry> setattrs = gw.records.stream()
                        .filter(r -> r.request().operation() == Operation.SETATTR)
                        .filter(r -> r.request().detail().contains("4294967295"))
                        .toList();
                assertEquals(3, setattrs.size(), setattrs.toString());
                setattrs.forEach(r -> assertFalse(r.decision().allowed(), r.toString()));
            }
        }
    }

    /**
     * 9P2000.u: a Tcreate names no gid (the file takes its directory's group as the guest sees it) but its fid's uid,
     * here unmapped; a Twstat's n_uid is a chown, refused before the rename it also asks for.
     */
    @Test
    void theLegacyDialectsRequestsAreRefusedAlike() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "", "data");
                P9Client guest = P9Client.connect(UnixDomainSocketAddress.of(gw.socket), 65536)) {
            Files.writeString(gw.share("data").resolve("f"), "x");
            guest.version(65536, "9P2000.u");
            guest.attach(0, "u", "data", UNMAPPED);
            guest.walk(0, 1);
            assertEquals(
                    Errno.EOVERFLOW,
                    errno(() -> guest.rpc(new TMessage.Tcreate(1, "new", 0644, O_RDWR, Optional.of("")))));
            guest.walk(0, 2, "f");
            assertEquals(
                    Errno.EINVAL,
                    errno(() ->
                            guest.rpc(Wstats.unix(2, Wstats.common(-1, "renamed", -1, -1, -1L, ""), UNMAPPED, -1))));
            assertEquals(List.of("f"), names(gw.share("data")), "neither made nor renamed");
            assertEquals(0, owner(gw.share("data").resolve("f"), "uid"));
            assertEquals(1, denials(gw, Operation.CREATE).size());
            assertEquals(1, denials(gw, Operation.SETATTR).size());
        }
    }

    /** Reloads {@code gw}'s policy without its {@code ids}: every guest id the overflow id. */
    private static void withoutMap(HostShareGateway gw) throws Exception {
        Files.writeString(
                gw.policyFile,
                Files.readString(gw.policyFile)
                        .lines()
                        .filter(l -> !l.contains("ids:") && !l.contains("{ranges:"))
                        .reduce("", (a, b) -> a + b + "\n"));
        assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gw.holder.reload());
    }

    private static SetAttr chown(int valid, int uid, int gid) {
        return new SetAttr(valid, 0, uid, gid, 0, 0, 0, 0, 0);
    }

    /** The denials of {@code op}, each by the unmapped-owner rule; nothing of {@code op} allowed but by mapped ids. */
    private static List<AuditEntry> denials(HostShareGateway gw, Operation op) {
        List<AuditEntry> denied = gw.records.stream()
                .filter(r -> r.request().operation() == op && !r.decision().allowed())
                .toList();
        denied.forEach(d -> assertEquals(List.of(RULE), d.decision().ruleIds(), d.toString()));
        return denied;
    }

    private static int owner(Path file, String which) throws Exception {
        return (Integer) Files.getAttribute(file, "unix:" + which, LinkOption.NOFOLLOW_LINKS);
    }

    private static List<String> names(Path dir) throws Exception {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

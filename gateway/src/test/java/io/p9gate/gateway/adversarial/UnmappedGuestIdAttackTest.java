package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.ids.IdRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (docs/policy.md, "Who is the principal"): under {@code permissions: enforce} a guest uid or gid that the
 * VM's id map does not map acted on the host as the overflow id, 65534, which every VM's unmapped ids, the host's own
 * {@code nobody} and any VM squashed to 65534 share. With guest ids 0-65535 mapped to host 100000-165535, a guest
 * attaching as uid 70000 opened nobody's 0600 host file read-write. Such a request is now refused with EACCES before
 * any backend call, and recorded as a denial by the share's {@code permissions.unmapped-id} rule.
 */
class UnmappedGuestIdAttackTest {
    private static final int O_RDWR = 2;
    private static final int NOBODY = 65534;
    private static final int UNMAPPED = 70000;
    private static final int GUEST_USER = 1000;
    private static final String RULE = "vm.guest.share.data.permissions.unmapped-id";
    /** What the host's nobody (65534, the overflow id until it became (u32)-2) keeps in its 0600 file. */
    private static final byte[] SECRET = "nobody's secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        assumeTrue(LinuxSyscalls.geteuid() == 0, "host files of the overflow user need a root test run");
    }

    @Test
    void anUnmappedUidCannotActAsTheOverflowUser() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client guest = gw.client()) {
            Path secret = HostShareGateway.privateFile(gw.share("data"), SECRET, NOBODY);
            assertEquals(
                    Errno.EACCES,
                    errno(() -> {
                        guest.attach(0, "u" + UNMAPPED, "data", UNMAPPED);
                        guest.walk(0, 1, "secret");
                        guest.lopen(1, O_RDWR);
                    }),
                    "the red team's attack");
            // The attach opens the share's root as the guest user: refused already, so no fid ever acts as 70000.
            assertDenied(gw, Operation.ATTACH, UNMAPPED, NOBODY);
            assertArrayEquals(SECRET, Files.readAllBytes(secret));
        }
    }

    /**
     * A fid attached while its uid was mapped outlives a reload that unmaps it: the check is made on every request,
     * not only at attach. Its getattr still works (stat runs as the gateway in such a share), its clunk too.
     */
    @Test
    void aFidWhoseUidAReloadUnmappedActsNoMore() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            HostShareGateway.privateFile(gw.share("data"), SECRET, NOBODY);
            guest.walk(0, 1, "secret");
            // Guest users 0-999 and nobody stay mapped; 1000 no longer is.
            Files.writeString(
                    gw.policyFile,
                    Files.readString(gw.policyFile)
                            .replace(
                                    "uid: {ranges: [{guest: 0, host: 100000, count: 65536}]}",
                                    "uid: {ranges: [{guest: 0, host: 100000, count: 1000},"
                                            + " {guest: 65534, host: 165534, count: 1}]}"));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gw.holder.reload());

            assertEquals(Errno.EACCES, errno(() -> guest.lopen(1, O_RDWR)));
            assertDenied(gw, Operation.OPEN, GUEST_USER, NOBODY);
            assertEquals(
                    (int) IdRange.MAX_ID,
                    guest.getattr(1, Attr.GETATTR_UID).uid(),
                    "a guest may still stat: host nobody's file shows as the overflow id");
            guest.clunk(1);
        }
    }

    /**
     * The gid a create names is the request's: an unmapped one acted as the overflow group, so a mapped user made
     * files in a host directory only group 65534 may write.
     */
    @Test
    void anUnmappedGidCannotActAsTheOverflowGroup() throws Exception {
        try (HostShareGateway gw = HostShareGateway.serving(tmp, "permissions: enforce", "data");
                P9Client guest = gw.attached("data", GUEST_USER)) {
            Path team = Files.createDirectory(gw.share("data").resolve("team"));
            Files.setAttribute(team, "unix:gid", NOBODY);
            Files.setPosixFilePermissions(team, PosixFilePermissions.fromString("rwxrwx---"));
            guest.walk(0, 1, "team");
            assertEquals(Errno.EACCES, errno(() -> guest.lcreate(1, "planted", O_RDWR, 0644, UNMAPPED)));
            assertDenied(gw, Operation.CREATE, GUEST_USER, UNMAPPED);
            assertFalse(Files.exists(team.resolve("planted")));
        }
    }

    /** The one denial of {@code op} by {@code uid}/{@code gid}: by the unmapped-id rule, EACCES, as its host ids. */
    private static void assertDenied(HostShareGateway gw, Operation op, int uid, int gid) {
        List<AuditEntry> denied = gw.records.stream()
                .filter(r -> r.request().operation() == op && !r.decision().allowed())
                .toList();
        assertEquals(1, denied.size(), "the refusal is recorded: " + gw.records);
        AuditEntry d = denied.getFirst();
        assertEquals(List.of(RULE), d.decision().ruleIds());
        assertEquals(Errno.EACCES, d.decision().errno());
        assertEquals(uid, d.request().uid());
        assertEquals(gid, d.request().gid());
        assertTrue(
                gw.records.stream()
                        .noneMatch(r -> r.request().operation() == op
                                && r.request().uid() == uid
                                && r.request().gid() == gid
                                && r.decision().allowed()),
                "nothing of it was allowed: " + gw.records);
    }

    private static Errno errno(Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

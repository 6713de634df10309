package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.DetailWords;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.server.PeerIdentifier;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unix socket listeners (issue 9 item 4, R-DEP-1): the socket file gets the owner, group and mode the policy
 * names, and a process connecting with other credentials than the VM's {@code peer:} is refused before any 9P
 * byte is read, with an audit record naming the listener, the peer's pid/uid/gid and the reason.
 */
class UnixPeerIdentityTest {
    @TempDir
    Path tmp;

    private static final long MY_UID = (Integer) uncheckedAttr(Path.of("/proc/self"), "unix:uid");
    private static final long MY_GID = (Integer) uncheckedAttr(Path.of("/proc/self"), "unix:gid");

    private static Object uncheckedAttr(Path p, String attr) {
        try {
            return Files.getAttribute(p, attr);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theSocketFileHasTheOwnerGroupAndModeOfThePolicy() throws Exception {
        assumeTrue(MY_UID == 0, "giving the socket file to another uid needs root (CAP_CHOWN)");
        try (IdentityRig _ = new IdentityRig(tmp).start("""
                a:
                  listen: unix:%s/a.sock
                  socket: {owner: 4321, group: 1234, mode: "0620"}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(tmp), null)) {
            Path socket = tmp.resolve("a.sock");
            assertEquals(4321, Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(1234, Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(0620, (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        }
    }

    /**
     * Ids are 32 bits unsigned, and the policy takes any up to 4294967294: one past 2^31 is negative as a Java int, and
     * was taken for "not set", so the socket silently kept the gateway's own owner and group (with mode 0660, the
     * gateway's group could connect as the VM, the group the policy named could not).
     */
    @Test
    void idsPastTwoToThe31AreTheSocketFilesToo() throws Exception {
        assumeTrue(MY_UID == 0, "giving the socket file to another uid needs root (CAP_CHOWN)");
        long high = 3_000_000_000L;
        try (IdentityRig _ = new IdentityRig(tmp).start("""
                a:
                  listen: unix:%s/a.sock
                  socket: {owner: %d, group: %d, mode: "0660"}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(tmp, high, high + 1), null)) {
            Path socket = tmp.resolve("a.sock");
            assertEquals(high, Integer.toUnsignedLong((Integer)
                    Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS)));
            assertEquals(high + 1, Integer.toUnsignedLong((Integer)
                    Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS)));
        }
    }

    @Test
    void aPeerWithAnotherUidIsRefusedAndAudited() throws Exception {
        long otherUid = MY_UID + 4242;
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                a:
                  listen: unix:%s/a.sock
                  peer: {uid: %d}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(tmp, otherUid), null)) {
            assertThrows(
                    IOException.class,
                    () -> {
                        try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("a.sock")), 65536)) {
                            c.attach(0, "root", "a", 0);
                        }
                    },
                    "the connection is closed before Tversion is answered");
            List<AuditEntry> refused = rig.refusals();
            assertEquals(1, refused.size(), rig.records.toString());
            AuditEntry r = refused.getFirst();
            assertEquals("a", r.request().vm());
            assertEquals(List.of(PeerIdentifier.RULE_PEER), r.decision().ruleIds());
            // The peer is one word (DetailWords.peer): its spaces and '=' escaped, read back as text.
            assertTrue(
                    r.request()
                            .detail()
                            .contains(" peer=pid%3d" + ProcessHandle.current().pid() + "%20"),
                    r.request().detail());
            String detail = DetailWords.text(r.request().detail());
            assertTrue(detail.contains("listener=unix:" + tmp.resolve("a.sock")), detail);
            assertTrue(detail.contains("pid=" + ProcessHandle.current().pid()), detail);
            assertTrue(detail.contains("uid=" + MY_UID), detail);
            assertTrue(detail.contains("gid="), detail);
            assertTrue(detail.contains("uid " + MY_UID + " is not " + otherUid), detail);
            assertEquals(
                    0,
                    rig.records.stream()
                            .filter(e -> e.request().sessionId() != 0)
                            .count(),
                    "no session was opened");
        }
    }

    /** A numeric peer: id past 2^31 is named in the refusal as written, not again as a negative int. */
    @Test
    void aRefusalNamesAnIdPastTwoToThe31AsWritten() throws Exception {
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                a:
                  listen: unix:%s/a.sock
                  peer: {uid: 3000000000, gid: 3000000001}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(tmp), null)) {
            assertThrows(IOException.class, () -> {
                try (P9Client c = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("a.sock")), 65536)) {
                    c.attach(0, "root", "a", 0);
                }
            });
            String detail = DetailWords.text(rig.refusals().getFirst().request().detail());
            assertTrue(
                    detail.endsWith(
                            "reason=peer uid " + MY_UID + " is not 3000000000, gid " + MY_GID + " is not 3000000001"),
                    detail);
        }
    }

    @Test
    void thePeerThePolicyExpectsIsServed() throws Exception {
        try (IdentityRig rig = new IdentityRig(tmp)
                        .start(
                                """
                a:
                  listen: unix:%s/a.sock
                  peer: {uid: %d, gid: %d}
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(tmp, MY_UID, (Integer)
                                        Files.getAttribute(Path.of("/proc/self"), "unix:gid")),
                                null);
                P9Client c = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("a.sock")), 65536)) {
            c.attach(0, "root", "a", 0);
            c.walk(0, 1, "a.txt");
            assertEquals(List.of(), rig.refusals());
        }
    }

    @Test
    void aPeerNameUnknownHereStopsTheStartWithOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            try (IdentityRig _ = new IdentityRig(tmp).start("""
                    a:
                      listen: unix:%s/a.sock
                      socket: {owner: no-such-user-p9gate}
                      shares: {a: {path: %%A, access: read-only}}
                    """.formatted(tmp), null)) {
                // not reached
            }
        });
        assertTrue(
                e.getMessage()
                        .matches("\\S+:\\d+:\\d+: VM 'a' socket: owner: no user 'no-such-user-p9gate' on this host"),
                e.getMessage());
    }
}

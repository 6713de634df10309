package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.VSockAddress;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.policyadapter.PolicyPeers;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vsock and device-bound TCP listeners (issue 9 items 4 and 5a). These machines have no vsock loopback (no
 * {@code vsock_loopback}: a connect to CID 1 times out), so no connection over vsock is made here: the CID-to-VM
 * mapping is tested on {@link PolicyPeers} directly, and binding where the kernel has AF_VSOCK. A TCP listener
 * bound to an interface refuses this host's own processes; one bound to an interface that does not exist stops
 * the start with one line.
 */
class VsockAndDeviceListenerTest {
    @TempDir
    Path tmp;

    @Test
    void aVsockPeerIsTheVmWithItsCidAndAnUnknownCidIsRefusedAndAudited() throws Exception {
        try (IdentityRig rig = new IdentityRig(tmp)) {
            rig.load("""
                    a:
                      listen: vsock:5:5640
                      shares: {a: {path: %A, access: read-only}}
                    b:
                      listen: vsock:6:5640
                      shares: {b: {path: %B, access: read-only}}
                    """);
            PolicyPeers peers = new PolicyPeers(rig.holder::current, rig.audit);
            ListenSpec.Vsock listener = new ListenSpec.Vsock(5640);
            assertEquals(new PeerVerdict.Accepted("a"), peers.identify(listener, new PeerFacts.Vsock(5, 1025)));
            assertEquals(new PeerVerdict.Accepted("b"), peers.identify(listener, new PeerFacts.Vsock(6, 1025)));
            assertEquals(List.of(), rig.refusals());

            PeerVerdict stranger = peers.identify(listener, new PeerFacts.Vsock(7, 1025));
            assertTrue(stranger instanceof PeerVerdict.Refused, stranger.toString());
            AuditEntry r = rig.refusals().getFirst();
            assertEquals(List.of(PeerIdentifier.RULE_VSOCK), r.decision().ruleIds());
            assertTrue(
                    r.request().detail().contains("listener=vsock:5640 peer=cid%3d7%20port%3d1025"),
                    r.request().detail());
            assertTrue(
                    r.request().detail().contains("CID 7 is no VM's on vsock:5640"),
                    r.request().detail());

            PeerVerdict otherPort = peers.identify(new ListenSpec.Vsock(564), new PeerFacts.Vsock(5, 1025));
            assertTrue(
                    otherPort instanceof PeerVerdict.Refused, "a's CID on a port a does not listen on: " + otherPort);
        }
    }

    @Test
    void aVsockListenerBindsWhereTheKernelHasVsock() throws Exception {
        IdentityRig rig = new IdentityRig(tmp);
        try {
            rig.start("""
                    a:
                      listen: vsock:5:5641
                      shares: {a: {path: %A, access: read-only}}
                    """, null);
        } catch (IOException e) {
            rig.close();
            assumeTrue(false, "this kernel cannot bind a vsock socket (no AF_VSOCK?): " + e.getMessage());
        }
        try (rig) {
            List<SocketAddress> bound = rig.gateway.boundAddresses();
            assertEquals(1, bound.size());
            VSockAddress vsock = (VSockAddress) bound.getFirst();
            assertEquals(5641, vsock.getPort());
            assertEquals(VSockAddress.VMADDR_CID_ANY, vsock.getCid(), "one socket for every guest; the CID decides");
        }
    }

    /**
     * Red team (R-DEP-1): a listener bound to a VM's interface also receives the connections that any process of
     * this host, any user's, makes to an address of that interface (the kernel matches local traffic to the interface
     * holding the address: shown with a tap in a network namespace, where a process of uid 65534 connecting to the
     * tap's address was accepted by a listener bound to the tap). Before, such a process was served as the VM. A
     * connection whose source is this host's own address (here: a listener bound to {@code lo}, where every peer is)
     * is now refused before any 9P byte and recorded with rule {@code identity.device}; a guest's packets cannot carry
     * a source address of the host.
     */
    @Test
    void aProcessOfThisHostIsNotTheVmOfADeviceBoundListener() throws Exception {
        int port = IdentityRig.freePort();
        try (IdentityRig rig = new IdentityRig(tmp).start("""
                a:
                  listen: tcp:127.0.0.1:%d%%lo
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(port), null)) {
            assertThrows(
                    IOException.class,
                    () -> {
                        try (P9Client c = P9Client.open(new InetSocketAddress("127.0.0.1", port), 65536)) {
                            c.attach(0, "root", "a", 0);
                        }
                    },
                    "a local process is not VM a");
            List<AuditEntry> refused = rig.refusals();
            assertEquals(1, refused.size(), rig.records.toString());
            assertEquals(
                    List.of("identity.device"), refused.getFirst().decision().ruleIds());
            assertTrue(
                    refused.getFirst().request().detail().contains("is a loopback address of this host"),
                    refused.getFirst().request().detail());
            assertTrue(rig.records.stream().noneMatch(r -> r.request().sessionId() != 0), "no session: " + rig.records);
        }
    }

    @Test
    void aDeviceThatDoesNotExistStopsTheStartWithOneLine() throws Exception {
        int port = IdentityRig.freePort();
        IOException e = assertThrows(
                IOException.class,
                () -> new IdentityRig(tmp).start("""
                a:
                  listen: tcp:127.0.0.1:%d%%nosuchdev0
                  shares: {a: {path: %%A, access: read-only}}
                """.formatted(port), null).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("cannot listen on tcp:127.0.0.1:" + port + "%nosuchdev0"), e.getMessage());
        assertTrue(
                e.getMessage().contains("cannot bind to network interface nosuchdev0: No such device"), e.getMessage());
    }
}

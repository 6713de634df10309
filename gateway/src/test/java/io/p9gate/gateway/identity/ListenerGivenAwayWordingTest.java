package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.policyadapter.PolicyPeers;
import io.p9gate.gateway.server.ListenSpec;
import io.p9gate.gateway.server.PeerFacts;
import io.p9gate.gateway.server.PeerIdentifier;
import io.p9gate.gateway.server.PeerVerdict;
import io.p9gate.policy.PolicyHolder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins what {@link PolicyPeers#identifyAgain} says of a listener one VM owns that a reload gave to another VM, for
 * both kinds of such listener (a Unix socket, a plain TCP port): the same rule and the same words, the listener
 * itself named, as IdentityGivenToAnotherVmAttackTest shows for a socket through a running gateway.
 */
class ListenerGivenAwayWordingTest {
    @TempDir
    Path tmp;

    @Test
    void aSocketGivenToAnotherVm() throws Exception {
        String vms = """
                a:
                  listen: unix:%s
                  shares: {a: {path: %%A, access: read-only}}
                b:
                  listen: unix:%s
                  shares: {b: {path: %%B, access: read-only}}
                """;
        Path a = tmp.resolve("a.sock");
        Path b = tmp.resolve("b.sock");
        ListenSpec.Unix listener = new ListenSpec.Unix(a, ListenSpec.SocketAccess.DEFAULT);
        assertGivenAway(vms.formatted(a, b), vms.formatted(b, a), listener, new PeerFacts.Unix(1, 0, 0));
    }

    @Test
    void aTcpPortGivenToAnotherVm() throws Exception {
        String vms = """
                a:
                  listen: tcp:127.0.0.1:%d%%lo
                  shares: {a: {path: %%A, access: read-only}}
                b:
                  listen: tcp:127.0.0.1:%d%%lo
                  shares: {b: {path: %%B, access: read-only}}
                """;
        ListenSpec.Tcp listener = new ListenSpec.Tcp("127.0.0.1", 5641, "lo");
        assertGivenAway(
                vms.formatted(5641, 5642),
                vms.formatted(5642, 5641),
                listener,
                new PeerFacts.Tcp(new InetSocketAddress("127.0.0.1", 40000)));
    }

    private void assertGivenAway(String before, String after, ListenSpec listener, PeerFacts peer) throws Exception {
        try (IdentityRig rig = new IdentityRig(tmp).load(before)) {
            PolicyPeers peers = new PolicyPeers(rig.holder::current, rig.audit);
            assertEquals(new PeerVerdict.Accepted("a"), peers.identify(listener, peer));
            rig.write(after);
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());

            assertEquals(
                    new PeerVerdict.Refused(
                            "a",
                            PeerIdentifier.RULE_LISTENER,
                            "listener " + listener.describe()
                                    + " is VM b's now, not VM a's, which this connection was accepted as"),
                    peers.identifyAgain(listener, peer, "a"));
        }
    }
}

package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Red team (R-ROB-2, tls: listeners): an address whose handshakes named a VM has its connections displaced last
 * ({@link NamedAddresses}), which keeps a VM's handshake from a peer renewing silent connections from fresh
 * addresses (identity.SilentConnectionRenewalAttackTest). The table held 4,096 addresses, the least recently named
 * forgotten first, for all VMs together: a hostile VM with its own valid certificate, handshaking from 4,096
 * addresses (any host user binds 127/8; a guest has an IPv6 /64), made the gateway forget every other VM's address
 * (a VM that connected once, long ago, first), and peers without certificates then took its places again. One VM's
 * handshakes may make the table forget only that VM's addresses.
 */
class NamedAddressChurnAttackTest {
    @Test
    void aVmNamingManyAddressesMakesNoOtherVmsAddressForgotten() throws Exception {
        NamedAddresses named = new NamedAddresses();
        InetAddress victim = InetAddress.getByName("127.0.0.2");
        named.named("victim", victim, null);
        for (int i = 0; i <= 4096; i++) {
            named.named("hostile", InetAddress.getByAddress(new byte[] {127, 1, (byte) (i >> 8), (byte) i}), null);
        }
        assertTrue(named.contains(victim), "the victim's address is still one that named a VM");
        assertTrue(
                named.contains(InetAddress.getByAddress(new byte[] {127, 1, 16, 0})),
                "the hostile VM's latest address too");
        assertFalse(
                named.contains(InetAddress.getByAddress(new byte[] {127, 1, 0, 0})),
                "the hostile VM's oldest is forgotten: its own addresses are bounded");
    }

    /** A reload that removes a VM leaves no rank to its addresses; one another VM named too keeps it. */
    @Test
    void aVmTheReloadRemovedNamesNoAddress() throws Exception {
        NamedAddresses named = new NamedAddresses();
        InetAddress gone = InetAddress.getByName("127.0.0.3");
        InetAddress shared = InetAddress.getByName("127.0.0.4");
        named.named("removed", gone, null);
        named.named("removed", shared, null);
        named.named("kept", shared, null);
        named.forget("removed"::equals);
        assertFalse(named.contains(gone));
        assertTrue(named.contains(shared));
    }
}

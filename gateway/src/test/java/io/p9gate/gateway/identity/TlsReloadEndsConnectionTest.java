package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.ClientEnd;
import io.p9gate.gateway.client.P9Client;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS connection keeps the chain it presented for as long as it lasts; a reload that no longer takes it for its VM
 * must end it, as a unix-socket VM's connections end when a reload removes the VM: a trusted CA replaced, or the VM
 * removed (the passes serve runs after each reload taken, PolicyServe closeNoLongerIdentified and closeRemovedVms).
 */
class TlsReloadEndsConnectionTest {
    @TempDir
    java.nio.file.Path tmp;

    @Test
    void aReloadThatReplacesTheVmsCaEndsItsConnection() throws Exception {
        try (TlsVmConnected a = TlsVmConnected.start(tmp, "read-only")) {
            assertEquals("VM a's view", read(a.client, 1));

            a.reloadWithAnotherCa();
            Set<String> now = a.vmsNow();
            assertEquals(1, a.rig.gateway.closeConnectionsNoLongerIdentified(now::contains), "its CA is no longer a's");
            assertEnds(a.client);
        }
    }

    @Test
    void aReloadThatRemovesTheVmEndsItsConnection() throws Exception {
        try (TlsVmConnected a = TlsVmConnected.start(tmp, "read-only")) {
            assertEquals("VM a's view", read(a.client, 1));

            a.reload(TlsVmConnected.vm("b", IdentityRig.freePort(), a.ca, "read-only"));
            Set<String> now = a.vmsNow();
            assertEquals(0, a.rig.gateway.closeConnectionsNoLongerIdentified(now::contains), "a is no VM's now");
            assertEquals(1, a.rig.gateway.closeConnectionsOf(v -> !now.contains(v)), "the removed VM's connection");
            assertEnds(a.client);
        }
    }

    /** The connection ends ({@link ClientEnd#assertEnded}). */
    private static void assertEnds(P9Client c) throws InterruptedException {
        ClientEnd.assertEnded(c, () -> read(c, 2));
    }

    private static String read(P9Client c, int fid) throws Exception {
        c.walk(0, fid, "a.txt");
        c.lopen(fid, 0);
        return new String(c.read(fid, 0, 100), StandardCharsets.UTF_8);
    }
}

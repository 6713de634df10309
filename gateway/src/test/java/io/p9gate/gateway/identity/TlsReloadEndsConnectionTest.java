package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.ssl.SslContext;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
    private static final int MSIZE = 65536;

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void aReloadThatReplacesTheVmsCaEndsItsConnection() throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        TestPki other = IdentityRig.pki(tmp.resolve("other"), "a");
        int port = freePort();
        String vms = """
                a:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=a"}
                  shares: {a: {path: %%A, access: read-only}}
                """;
        try (IdentityRig rig = new IdentityRig(tmp)
                        .start(vms.formatted(port, pki.dir().resolve(TestPki.CA_CERT)), IdentityRig.serverTls(pki));
                P9Client c = P9Client.open(new InetSocketAddress("127.0.0.1", port), MSIZE, client(pki))) {
            c.attach(0, "root", "a", 0);
            assertEquals("VM a's view", read(c, 1));

            rig.write(vms.formatted(port, other.dir().resolve(TestPki.CA_CERT)));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
            Set<String> now = rig.holder.current().listeners().keySet();
            assertEquals(1, rig.gateway.closeConnectionsNoLongerIdentified(now::contains), "its CA is no longer a's");
            assertThrows(IOException.class, () -> read(c, 2));
        }
    }

    @Test
    void aReloadThatRemovesTheVmEndsItsConnection() throws Exception {
        TestPki pki = IdentityRig.pki(tmp.resolve("pki"), "a");
        int port = freePort();
        String vm = """
                %s:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=%s"}
                  shares: {%s: {path: %%A, access: read-only}}
                """;
        Object ca = pki.dir().resolve(TestPki.CA_CERT);
        try (IdentityRig rig =
                        new IdentityRig(tmp).start(vm.formatted("a", port, ca, "a", "a"), IdentityRig.serverTls(pki));
                P9Client c = P9Client.open(new InetSocketAddress("127.0.0.1", port), MSIZE, client(pki))) {
            c.attach(0, "root", "a", 0);
            assertEquals("VM a's view", read(c, 1));

            rig.write(vm.formatted("b", freePort(), ca, "b", "a"));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, rig.holder.reload());
            Set<String> now = rig.holder.current().listeners().keySet();
            assertEquals(0, rig.gateway.closeConnectionsNoLongerIdentified(now::contains), "a is no VM's now");
            assertEquals(1, rig.gateway.closeConnectionsOf(v -> !now.contains(v)), "the removed VM's connection");
            assertThrows(IOException.class, () -> read(c, 2));
        }
    }

    private static SslContext client(TestPki pki) throws Exception {
        return ClientTls.of(
                pki.dir().resolve("a").resolve(TestPki.CLIENT_CERT),
                pki.dir().resolve("a").resolve(TestPki.CLIENT_KEY),
                pki.dir().resolve(TestPki.CA_CERT));
    }

    private static String read(P9Client c, int fid) throws Exception {
        c.walk(0, fid, "a.txt");
        c.lopen(fid, 0);
        return new String(c.read(fid, 0, 100), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}

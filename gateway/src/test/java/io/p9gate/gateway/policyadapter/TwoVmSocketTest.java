package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-DEP-1 end to end: one gateway, the two sockets its policy names, the Java client on each.
 * Same attach names, different VMs, different views; the uname a guest claims changes nothing.
 */
class TwoVmSocketTest {
    @TempDir
    Path tmp;

    @Test
    void eachSocketSeesOnlyItsVmsShares() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        var holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(fx.betaSocket), 65536)) {
            // beta claims to be alpha and asks for alpha's share: the socket says otherwise.
            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> beta.attach(0, "alpha", "data", 0))
                            .errno());
            beta.attach(0, "alpha", "", 0);
            assertEquals(List.of(".", "..", "readme"), list(beta, 0));
            assertEquals(
                    Errno.EROFS,
                    assertThrows(P9Exception.class, () -> beta.lcreate(0, "x", 1, 0644, 0))
                            .errno());

            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> alpha.attach(0, "beta", "other", 0))
                            .errno());
            alpha.attach(0, "beta", "data", 0);
            assertEquals(List.of(".", "..", "base", "cache", "notes.txt"), list(alpha, 0));
            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> alpha.walk(0, 3, "secret"))
                            .errno());
            alpha.walk(0, 4, "cache");
            alpha.lcreate(4, "from-alpha", 1, 0644, 0);
            alpha.write(4, 0, "hi".getBytes(StandardCharsets.UTF_8));
            alpha.clunk(4);
        }
        assertEquals("hi", Files.readString(fx.data.resolve("cache/from-alpha")));
        assertEquals(
                List.of("readme"),
                Files.list(fx.other).map(p -> p.getFileName().toString()).toList());
    }

    private static List<String> list(P9Client client, int fid) throws Exception {
        client.walk(fid, 9, new String[0]);
        client.lopen(9, 0);
        List<String> names =
                client.readdir(9, 0, 8192).stream().map(DirEntry::name).sorted().toList();
        client.clunk(9);
        return names;
    }
}

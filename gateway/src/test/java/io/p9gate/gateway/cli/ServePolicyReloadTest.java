package io.p9gate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.policyadapter.OwnershipMode;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.policyadapter.PolicyShares;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What serve --policy wires: a taken reload also rebuilds the quota books (R-POL-6, R-POL-7). */
class ServePolicyReloadTest {
    @TempDir
    Path tmp;

    @Test
    void aReloadThatRaisesAQuotaLetsTheNextWriteThrough() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyReloader reloader = new PolicyReloader(holder);
        try (ShareServerFactory shares = new ShareServerFactory(
                        new PolicyShares(holder, PolicyServe.guards(holder, reloader, OwnershipMode.CHOWN)),
                        new NoAudit());
                TestSession s = TestSession.open(shares, fx.alphaListener())) {
            s.call(new TMessage.Tattach(TestSession.ROOT, TMessage.NOFID, "root", "data", 0));
            s.walk(TestSession.ROOT, 1, "cache");
            s.lcreate(1, "f", 2, 0644);
            assertEquals(
                    Errno.EDQUOT,
                    s.fails(new TMessage.Twrite(1, 0, io.netty.buffer.Unpooled.wrappedBuffer(new byte[2000]))));

            Files.writeString(fx.policyFile, fx.policy("", "4KiB"));
            reloader.reload();
            assertEquals(2000, s.write(1, 0, new byte[2000]));
        }
    }

    @Test
    void aTlsListenerWithoutTheGatewaysCertificateIsRefusedWithOneLine() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("s"));
        Path policy = Files.writeString(tmp.resolve("p.yaml"), """
                image: t
                vms:
                  v:
                    listen: tls:127.0.0.1:5643
                    client-cert: {sha256: "%s"}
                    shares:
                      s: {path: %s}
                  w:
                    listen: vsock:42
                    shares:
                      s: {path: %s}
                """.formatted("ab".repeat(32), share, share));
        PolicyEngine engine = PolicyEngine.load(policy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyListeners.of(engine));
        assertEquals(
                "VM 'v' listens on tls:127.0.0.1:5643: give the gateway's certificate with --tls-cert FILE "
                        + "--tls-key FILE",
                e.getMessage());
    }
}

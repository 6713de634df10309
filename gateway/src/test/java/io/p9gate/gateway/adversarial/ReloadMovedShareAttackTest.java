package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyReloader;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7 with R-POL-4): share directories are opened once, at start, and decisions name a share by its
 * name only. A reload that points alpha's share {@code data} at another directory (whose policy has no hidden
 * {@code /secret}: the new directory has none) was taken, new sessions of alpha could no longer attach it, but a
 * session attached before the reload kept serving the <em>old</em> directory, now decided by the new rules: its
 * {@code /secret} (hidden by the policy that served that directory) was walked and read. The rules of a share speak
 * about its directory; a session serving a directory the current policy no longer gives that share must be refused,
 * as a session whose share a reload took away is (default deny).
 */
class ReloadMovedShareAttackTest {
    @TempDir
    Path tmp;

    @Test
    void aReloadThatMovesAShareDoesNotApplyItsNewRulesToTheOldDirectory() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Path moved = Files.createDirectories(tmp.resolve("shares/data-v2"));
        PolicyHolder holder = fx.holder();
        try (ShareServerFactory shares = fx.shares(holder);
                Gateway _ = Gateway.start(new GatewayConfig(
                        PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536)) {
            alpha.attach(0, "root", "data", 0);
            assertEquals(Errno.ENOENT, refused(() -> alpha.walk(0, 1, "secret")), "hidden before the reload");

            // The integrator moves alpha to a folder of its own, which has nothing to hide.
            String next = fx.policy("")
                    .replace("path: " + fx.data + "\n", "path: " + moved + "\n")
                    .lines()
                    .filter(line -> !line.contains("hidden: [/secret]"))
                    .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
            Files.writeString(fx.policyFile, next);
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, new PolicyReloader(holder).reload());

            P9Exception e = assertThrows(
                    P9Exception.class,
                    () -> alpha.walk(0, 1, "secret", "key"),
                    "the old session walked the old directory's hidden /secret under the new rules");
            assertEquals(Errno.EACCES, e.errno());
            assertEquals(Errno.EACCES, refused(() -> alpha.walk(0, 2, "notes.txt")), "nothing of the old one");
        }
    }

    private static Errno refused(org.junit.jupiter.api.function.Executable request) {
        return assertThrows(P9Exception.class, request).errno();
    }
}

package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
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
 * Red team of issue 8 (cross-VM isolation): byte-range locks are one table for every session, so two VMs sharing a
 * host directory see each other's locks, as they must. But Tgetlock answered the conflicting lock's proc_id and
 * client_id as its holder sent them: VM alpha, with read-only access, learned which process of VM beta held the
 * file and beta's client id (the Linux client sends the VM's hostname). A lock of another session is answered with
 * its type and range only (proc_id 0, empty client_id, as NFS reports a remote holder); one's own as before.
 */
class LockHolderDisclosureAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void aLockOfAnotherVmDoesNotNameItsHolder() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("db"), "records");
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: locks
                vms:
                  alpha:
                    listen: unix:%s
                    shares:
                      db: {path: %s, access: read-only}
                  beta:
                    listen: unix:%s
                    shares:
                      db: {path: %s, access: read-write}
                """.formatted(alphaSocket, shared, betaSocket, shared));
        PolicyHolder holder = PolicyHolder.load(policy);
        ShareServerFactory shares = PolicyServed.shares(holder, new NoAudit());
        Gateway gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
        try (P9Client beta = P9Client.open(UnixDomainSocketAddress.of(betaSocket), 65536);
                P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(alphaSocket), 65536)) {
            beta.attach(0, "root", "db", 0);
            beta.walk(0, 1, "db");
            beta.lopen(1, O_RDWR);
            RMessage.Rlock taken = (RMessage.Rlock)
                    beta.rpc(new TMessage.Tlock(1, LOCK_TYPE_WRLCK, 0, 0, 0, 4242, "beta-ecu.internal"));
            assertEquals(LOCK_SUCCESS, taken.status());
            RMessage.Rgetlock own = (RMessage.Rgetlock)
                    beta.rpc(new TMessage.Tgetlock(1, LOCK_TYPE_WRLCK, 0, 0, 7, "beta-ecu.internal"));
            assertEquals(4242, own.procId(), "a session sees its own processes' locks as before");

            alpha.attach(0, "root", "db", 0);
            alpha.walk(0, 1, "db");
            alpha.lopen(1, O_RDONLY);
            RMessage.Rgetlock seen =
                    (RMessage.Rgetlock) alpha.rpc(new TMessage.Tgetlock(1, LOCK_TYPE_WRLCK, 0, 0, 1, "alpha"));
            assertEquals(LOCK_TYPE_WRLCK, seen.lockType(), "the conflict itself is shown");
            assertNotEquals("beta-ecu.internal", seen.clientId(), "beta's client id reached alpha");
            assertNotEquals(4242, seen.procId(), "beta's process id reached alpha");
        } finally {
            gateway.close();
            shares.close();
        }
    }
}

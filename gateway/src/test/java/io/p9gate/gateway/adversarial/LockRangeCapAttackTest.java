package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
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
 * Red team (R-ROB-2, cross-VM): a file holds at most 1,024 lock ranges, and the cap counted the ranges of every
 * owner. VM alpha, with read-only access to a database file it shares with beta, took 1,024 one-byte read locks
 * (conflicting with nothing beta does far away), and every Tlock of beta that added a range was ENOLCK: beta
 * could no longer lock its own database at all (SQLite's lock bytes at 1 GiB), not because of a conflict POSIX
 * knows but because alpha filled the file's table. The cap bounds what one VM adds to a file, not what all do.
 */
class LockRangeCapAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int CAP = 1024;

    @TempDir
    Path tmp;

    @Test
    void oneVmFillingAFilesLockRangesLeavesAnotherVmItsLocks() throws Exception {
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
                    limits: {locks: 4096}
                    shares:
                      db: {path: %s, access: read-only}
                  beta:
                    listen: unix:%s
                    limits: {locks: 4096}
                    shares:
                      db: {path: %s, access: read-write}
                """.formatted(alphaSocket, shared, betaSocket, shared));
        PolicyHolder holder = PolicyHolder.load(policy);
        ShareServerFactory shares = PolicyServed.shares(holder, new NoAudit());
        Gateway gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
        try (P9Client alpha = P9Client.open(UnixDomainSocketAddress.of(alphaSocket), 65536);
                P9Client beta = P9Client.open(UnixDomainSocketAddress.of(betaSocket), 65536)) {
            alpha.attach(0, "root", "db", 0);
            alpha.walk(0, 1, "db");
            alpha.lopen(1, O_RDONLY);
            for (int i = 0; i < CAP; i++) {
                assertEquals(LOCK_SUCCESS, lock(alpha, LOCK_TYPE_RDLCK, 2L * i), "alpha's read lock " + i);
            }
            P9Exception own = assertThrows(P9Exception.class, () -> lock(alpha, LOCK_TYPE_RDLCK, 2L * CAP));
            assertEquals(Errno.ENOLCK, own.errno(), "alpha still stops at the cap");

            beta.attach(0, "root", "db", 0);
            beta.walk(0, 1, "db");
            beta.lopen(1, O_RDWR);
            assertEquals(
                    LOCK_SUCCESS,
                    assertDoesNotThrow(() -> lock(beta, LOCK_TYPE_WRLCK, 1L << 30), "beta's lock far from alpha's"));
            assertEquals(
                    LOCK_SUCCESS,
                    assertDoesNotThrow(() -> lock(beta, LOCK_TYPE_RDLCK, 1), "beta's read lock between alpha's"));
        } finally {
            gateway.close();
            shares.close();
        }
    }

    private static int lock(P9Client client, int type, long start) throws Exception {
        return ((RMessage.Rlock) client.rpc(new TMessage.Tlock(1, type, 0, start, 1, 7, "vm"))).status();
    }
}

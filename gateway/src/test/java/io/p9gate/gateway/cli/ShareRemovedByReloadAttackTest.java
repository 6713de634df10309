package io.p9gate.gateway.cli;

import static io.p9gate.gateway.cli.ReloadingGateway.LOCK_SUCCESS;
import static io.p9gate.gateway.cli.ReloadingGateway.openForWriting;
import static io.p9gate.gateway.cli.ReloadingGateway.writeLock;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.PolicyHolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, R-ROB-2): VM alpha serves two shares, {@code data} (a directory VM beta shares too) and
 * {@code own}, each mounted over a connection of its own, and holds a write lock on a file of {@code data}. The
 * integrator takes {@code data} away from alpha, or gives alpha's {@code data} another directory, and alpha stays in
 * the policy. Before, the reload left alpha's {@code data} connection open: every request of it was refused, but its
 * session, and so its lock, lived on as long as alpha's guest chose, and beta's Tlock on the file stayed blocked. The
 * reload now closes the connections whose session attached a share it took away or moved: they end as on a
 * disconnect (recorded, fids and locks released); alpha's other connection keeps serving {@code own}.
 */
@Timeout(60)
class ShareRemovedByReloadAttackTest {
    private static final int O_RDONLY = 0;
    private static final long GETATTR_BASIC = 0x7ff;

    @TempDir
    Path tmp;

    /** @param alphaData alpha's {@code data} entry, or "" for none */
    private String policy(String alphaData) {
        return ReloadingGateway.alphaAndBeta(tmp, alphaData);
    }

    private String alphaData(Path dir) {
        return "      data: {path: %s, access: read-write}\n".formatted(dir);
    }

    @Test
    void aShareRemovedFromAVmByAReloadEndsTheSessionsThatAttachedIt() throws Exception {
        theConnectionThatAttachedItIsClosed("");
    }

    @Test
    void aShareMovedByAReloadEndsTheSessionsThatAttachedTheOldDirectory() throws Exception {
        theConnectionThatAttachedItIsClosed(alphaData(Files.createDirectories(tmp.resolve("data-v2"))));
    }

    /** @param alphaDataAfter alpha's {@code data} entry after the reload */
    private void theConnectionThatAttachedItIsClosed(String alphaDataAfter) throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(tmp.resolve("own"));
        Files.writeString(tmp.resolve("data/f"), "hello");
        Files.writeString(tmp.resolve("own/mine"), "still here");
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, policy(alphaData(tmp.resolve("data"))));
        try (ReloadingGateway gateway = new ReloadingGateway(file);
                P9Client alphaData = ReloadingGateway.connect(tmp.resolve("alpha.sock"));
                P9Client alphaOwn = ReloadingGateway.connect(tmp.resolve("alpha.sock"));
                P9Client beta = ReloadingGateway.connect(tmp.resolve("beta.sock"))) {
            gateway.closeRemovedVms(); // as serve: both closers
            gateway.closeTakenShares();
            alphaOwn.attach(0, "root", "own", 0);
            openForWriting(alphaData, "data", "f");
            assertEquals(LOCK_SUCCESS, writeLock(alphaData, 1, "alpha"), "alpha holds the write lock");

            Files.writeString(file, policy(alphaDataAfter));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());

            // Closed, or drained: a request that came before the drain began is not started (EIO), or, served between
            // the swap and the drain, refused by the new policy (EACCES: data is not alpha's), then it closes.
            Exception refused = assertThrows(Exception.class, () -> alphaData.getattr(1, GETATTR_BASIC));
            if (refused instanceof P9Exception notStarted) {
                assertTrue(
                        notStarted.errno() == Errno.EIO || notStarted.errno() == Errno.EACCES,
                        "alpha's data connection drains: " + notStarted.errno());
            } else {
                assertInstanceOf(IOException.class, refused, "alpha's data connection is closed");
            }
            gateway.awaitSessionClosed("alpha");
            openForWriting(beta, "data", "f");
            assertEquals(LOCK_SUCCESS, writeLock(beta, 1, "beta"), "beta takes the lock alpha held");

            alphaOwn.walk(0, 1, "mine");
            alphaOwn.lopen(1, O_RDONLY);
            assertArrayEquals(
                    "still here".getBytes(StandardCharsets.UTF_8),
                    alphaOwn.read(1, 0, 64),
                    "alpha's other connection still serves its other share");
            assertEquals(1, closedSessionsOf(gateway.trail, "alpha"), "only the session that attached data ended");

            // A refused attach holds nothing there: the next reload leaves the session that tried it open.
            assertThrows(P9Exception.class, () -> alphaOwn.attach(2, "root", "data", 0), "data is not alpha's now");
            Files.writeString(file, policy(alphaDataAfter) + "# reloaded again\n");
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
            alphaOwn.getattr(1, GETATTR_BASIC);
            assertEquals(1, closedSessionsOf(gateway.trail, "alpha"), "alpha's other session did not end");
        }
        assertEquals("hello", Files.readString(tmp.resolve("data/f")));
    }

    private static long closedSessionsOf(LifecycleRecords trail, String vm) {
        return trail.events.stream()
                .filter(e -> e instanceof GatewayEvent.SessionClosed c && c.vm().equals(vm))
                .count();
    }
}

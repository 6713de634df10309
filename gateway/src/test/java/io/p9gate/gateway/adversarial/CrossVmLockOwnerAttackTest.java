package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.OverlappingSharesRig.ALPHA_IDS;
import static io.p9gate.gateway.adversarial.OverlappingSharesRig.BETA_IDS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_BLOCKED;
import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_UNLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two VMs with different id maps on one host folder, locking one file (test only, no defect; Low). A lock's owner is
 * its session's, not the (proc_id, client_id) the guest sends: beta, sending alpha's exact owner over alpha's exact
 * range, neither unlocks alpha's lock nor is told it holds it; a lock taken through one hard link blocks the other
 * name too (the table is by inode, not by name); and the locks of a connection that drops without a Tclunk go with
 * it, so alpha's reconnect neither keeps nor inherits them and beta is not blocked for ever.
 */
class CrossVmLockOwnerAttackTest {
    private static final int O_RDWR = 2;
    private static final int ALPHA_PROC = 4242;
    private static final String CLIENT = "ecu.internal";

    @TempDir
    Path tmp;

    @Test
    void anotherVmSendingTheHoldersOwnerNeitherUnlocksNorSeesTheLock() throws Exception {
        try (OverlappingSharesRig rig = alphaLocksDb("db")) {

            lock(rig.beta, LOCK_TYPE_UNLCK, ALPHA_PROC); // alpha's owner and range, from beta
            assertEquals(LOCK_BLOCKED, lock(rig.beta, LOCK_TYPE_WRLCK, ALPHA_PROC), "beta unlocked alpha's lock");
            RMessage.Rgetlock seen = getlock(rig.beta, ALPHA_PROC);
            assertEquals(LOCK_TYPE_WRLCK, seen.lockType());
            assertEquals(0, seen.procId(), "beta was told it holds alpha's lock");
            assertEquals("", seen.clientId());
            assertEquals(ALPHA_PROC, getlock(rig.alpha, 1).procId(), "alpha still holds its lock");
        }
    }

    @Test
    void aLockThroughOneHardLinkBlocksTheOtherName() throws Exception {
        try (OverlappingSharesRig rig = alphaLocksDb("twin")) {
            assertEquals(LOCK_BLOCKED, lock(rig.beta, LOCK_TYPE_WRLCK, 7), "beta locked alpha's file by its twin");
        }
    }

    @Test
    void theLocksOfADroppedConnectionGoAndAReconnectDoesNotInheritThem() throws Exception {
        try (OverlappingSharesRig rig = alphaLocksDb("db")) {
            assertEquals(LOCK_BLOCKED, lock(rig.beta, LOCK_TYPE_WRLCK, 7));

            rig.alpha.close(); // no Tclunk: the socket just goes
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status = LOCK_BLOCKED;
            while (status == LOCK_BLOCKED && System.nanoTime() < deadline) {
                Thread.sleep(20);
                status = lock(rig.beta, LOCK_TYPE_WRLCK, 7);
            }
            assertEquals(LOCK_SUCCESS, status, "alpha's lock outlived its connection");

            try (P9Client again = P9Client.open(UnixDomainSocketAddress.of(tmp.resolve("alpha.sock")), 65536)) {
                again.attach(0, "root", "data", 0);
                openForWriting(again, "db");
                lock(again, LOCK_TYPE_UNLCK, 7); // beta's owner and range, from alpha's new session
                assertEquals(LOCK_BLOCKED, lock(again, LOCK_TYPE_WRLCK, ALPHA_PROC), "alpha's reconnect");
                assertEquals(0, getlock(again, ALPHA_PROC).procId(), "beta's lock is shown as another session's");
            }
        }
    }

    /**
     * Alpha and beta on one folder holding {@code db} and its hard link {@code twin}: alpha's process
     * {@link #ALPHA_PROC} holds a write lock on bytes 0-99 of {@code db}; beta has {@code betaOpens} open on fid 1.
     */
    private OverlappingSharesRig alphaLocksDb(String betaOpens) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.writeString(data.resolve("db"), "records");
        Files.createLink(data.resolve("twin"), data.resolve("db"));
        OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, "", ALPHA_IDS, BETA_IDS);
        try {
            openForWriting(rig.alpha, "db");
            assertEquals(LOCK_SUCCESS, lock(rig.alpha, LOCK_TYPE_WRLCK, ALPHA_PROC));
            openForWriting(rig.beta, betaOpens);
            return rig;
        } catch (Exception | AssertionError e) {
            rig.close();
            throw e;
        }
    }

    /** Fid 1 of {@code client}: {@code name}, open for reading and writing. */
    private static void openForWriting(P9Client client, String name) throws Exception {
        client.walk(0, 1, name);
        client.lopen(1, O_RDWR);
    }

    /** A lock request of {@code type} over bytes 0-99 through fid 1, as {@code procId} of {@link #CLIENT}. */
    private static int lock(P9Client client, int type, int procId) throws Exception {
        return ((RMessage.Rlock) client.rpc(new TMessage.Tlock(1, type, 0, 0, 100, procId, CLIENT))).status();
    }

    private static RMessage.Rgetlock getlock(P9Client client, int procId) throws Exception {
        return (RMessage.Rgetlock) client.rpc(new TMessage.Tgetlock(1, LOCK_TYPE_WRLCK, 0, 100, procId, CLIENT));
    }
}

package io.p9gate.gateway.cli;

import static io.p9gate.gateway.cli.ReloadingGateway.LOCK_SUCCESS;
import static io.p9gate.gateway.cli.ReloadingGateway.writeLock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-POL-7, R-ROB-2): VMs alpha and beta share the directory {@code data}; alpha holds write locks on
 * {@code /x} and {@code /y} there and on {@code /z} of its own share {@code own}, all on one connection, and beta's
 * Tlock on {@code /x} is blocked. The integrator reloads a policy that hides {@code /x} from alpha, or makes alpha's
 * {@code data} {@code access: none}; alpha keeps both shares and stays connected. Before, alpha's requests on
 * {@code /x} were refused, but its lock there stayed until it disconnected, and beta stayed blocked. Now the reload
 * releases alpha's locks on the files it may no longer lock, recorded once each; alpha keeps its connection and the
 * locks it may still take.
 */
@Timeout(60)
class LockRefusedByReloadAttackTest {
    private static final int BLOCKED = 1;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    /** @param alphaData the rest of alpha's {@code data} entry: its access and anything else */
    private String policy(String alphaData) {
        return ReloadingGateway.alphaAndBeta(
                tmp, "      data: {path: %s, %s}\n".formatted(tmp.resolve("data"), alphaData));
    }

    @Test
    void aFileTheReloadHidesFromTheHolderIsUnlockedForTheOtherVm() throws Exception {
        List<AuditEntry> released = lockHolderLosesItsRight("access: read-write, hidden: [/x]", true);
        assertEquals(1, released.size(), "one release recorded");
        AuditEntry record = released.getFirst();
        assertEquals("x", record.request().paths().getFirst());
        assertEquals(Operation.LOCK, record.request().operation());
        assertEquals("alpha", record.request().vm());
        assertFalse(record.decision().allowed());
    }

    @Test
    void aShareTheReloadMakesAccessNoneFreesTheLocksInItOnly() throws Exception {
        List<AuditEntry> released = lockHolderLosesItsRight("access: none", false);
        assertEquals(
                List.of("x", "y"),
                released.stream()
                        .map(r -> r.request().paths().getFirst())
                        .sorted()
                        .toList(),
                "one release recorded per file");
    }

    /**
     * A write lock alpha took through a fid opened O_RDONLY (flock -x) while it could write {@code /x}: a reload that
     * makes {@code /x} read-only to alpha releases it as a write lock, as a write lock through that fid would now be
     * refused (EROFS); before, beta stayed blocked from reading too. It stays a read lock: alpha may still read.
     */
    @Test
    void aWriteLockThroughAReadOpenBecomesAReadLockWhenTheReloadMakesTheFileReadOnly() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(tmp.resolve("own"));
        Files.writeString(tmp.resolve("data/x"), "hello");
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, policy("access: read-write"));
        try (ReloadingGateway gateway = new ReloadingGateway(file);
                P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"));
                P9Client beta = ReloadingGateway.connect(tmp.resolve("beta.sock"))) {
            gateway.closeRemovedVms();
            gateway.closeTakenShares();
            alpha.attach(0, "root", "data", 0);
            alpha.walk(0, 1, "x");
            alpha.lopen(1, O_RDONLY);
            assertEquals(LOCK_SUCCESS, writeLock(alpha, 1, "alpha"), "flock -x while alpha may write /x");
            beta.attach(0, "root", "data", 0);
            openForWriting(beta, 0, 1, "x");
            assertEquals(BLOCKED, writeLock(beta, 1, "beta"));

            Files.writeString(file, policy("access: read-write, read-only: [/x]"));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());

            assertEquals(BLOCKED, writeLock(beta, 1, "beta"), "alpha's lock stays, a read lock (session 34)");
            var read = (RMessage.Rlock)
                    beta.rpc(new TMessage.Tlock(1, (byte) LockConstants.LOCK_TYPE_RDLCK, 0, 0, 0, 1, "beta"));
            assertEquals(LOCK_SUCCESS, read.status(), "beta's read lock: alpha's is no longer exclusive");
            List<AuditEntry> released = gateway.trail.decisions.stream()
                    .filter(r -> r.request().detail().contains("released=reload"))
                    .toList();
            assertEquals(1, released.size(), "one release recorded: " + released);
            assertEquals(
                    List.of("vm.alpha.share.data.read-only[0]"),
                    released.getFirst().decision().ruleIds());
            assertFalse(gateway.trail.sessionClosed("alpha"), "alpha stays connected");
        }
    }

    /**
     * @param alphaDataAfter alpha's {@code data} entry after the reload
     * @param mayStillLockY  whether alpha may still lock {@code /y} after it
     * @return the release records
     */
    private List<AuditEntry> lockHolderLosesItsRight(String alphaDataAfter, boolean mayStillLockY) throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(tmp.resolve("own"));
        for (String name : List.of("data/x", "data/y", "own/z")) {
            Files.writeString(tmp.resolve(name), "hello");
        }
        Path file = tmp.resolve("policy.yaml");
        Files.writeString(file, policy("access: read-write"));
        try (ReloadingGateway gateway = new ReloadingGateway(file);
                P9Client alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"));
                P9Client beta = ReloadingGateway.connect(tmp.resolve("beta.sock"))) {
            gateway.closeRemovedVms(); // as serve: both closers
            gateway.closeTakenShares();
            alpha.attach(0, "root", "data", 0);
            alpha.attach(10, "root", "own", 0);
            openForWriting(alpha, 0, 1, "x");
            openForWriting(alpha, 0, 2, "y");
            openForWriting(alpha, 10, 11, "z");
            for (int fid : new int[] {1, 2, 11}) {
                assertEquals(LOCK_SUCCESS, writeLock(alpha, fid, "alpha"), "alpha locks fid " + fid);
            }
            beta.attach(0, "root", "data", 0);
            openForWriting(beta, 0, 1, "x");
            openForWriting(beta, 0, 2, "y");
            assertEquals(BLOCKED, writeLock(beta, 1, "beta"), "alpha's lock blocks beta");

            Files.writeString(file, policy(alphaDataAfter));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());

            assertEquals(LOCK_SUCCESS, writeLock(beta, 1, "beta"), "beta takes the lock alpha may no longer hold");
            assertEquals(
                    mayStillLockY ? BLOCKED : LOCK_SUCCESS,
                    writeLock(beta, 2, "beta"),
                    "alpha's lock on /y stays exactly while alpha may still lock it");
            assertEquals(LOCK_SUCCESS, writeLock(alpha, 11, "alpha"), "alpha's connection serves its other share");
            assertFalse(gateway.trail.sessionClosed("alpha"), "alpha stays connected");
            return gateway.trail.decisions.stream()
                    .filter(r -> r.request().detail().contains("released=reload"))
                    .toList();
        }
    }

    /** Walks from {@code root} to {@code name} as {@code fid} and opens it for reading and writing. */
    private static void openForWriting(P9Client client, int root, int fid, String name) throws Exception {
        client.walk(root, fid, name);
        client.lopen(fid, O_RDWR);
    }
}

package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.proto.LockConstants.LOCK_BLOCKED;
import static io.p9gate.gateway.proto.LockConstants.LOCK_SUCCESS;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_RDLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_UNLCK;
import static io.p9gate.gateway.proto.LockConstants.LOCK_TYPE_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (R-ROB-2, cross-VM): the Linux client sends flock(LOCK_EX) as the same Tlock (WRLCK) as fcntl(F_WRLCK),
 * and the gateway granted it through a fid opened O_RDONLY. VM alpha, which may only read a file it shares with
 * beta (a read-only subtree, a deny of OPEN_WRITE, an {@code access: read-only} share), held an exclusive lock on it
 * and every read or write lock of beta there was LOCK_BLOCKED for as long as alpha liked. As over NFS (flock(2)
 * NOTES, knfsd's NFS4ERR_OPENMODE) and fcntl(2) (F_WRLCK needs a descriptor open for writing), a write lock through a
 * fid not open for writing is granted only where the VM could open the file for writing: else refused with the errno
 * that open would get, in one deny record of the Tlock naming the rule.
 */
class ReadOnlyWriteLockAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    private final ChokePointGateway.Trail trail = new ChokePointGateway.Trail();
    private ShareServerFactory shares;
    private Gateway gateway;
    private P9Client alpha;
    private P9Client beta;

    @BeforeEach
    void start() throws Exception {
        Path main = Files.createDirectories(tmp.resolve("shared/main"));
        Path view = Files.createDirectories(tmp.resolve("shared/view"));
        Files.createDirectories(main.resolve("ro"));
        for (Path file :
                List.of(main.resolve("ro/db"), main.resolve("kept"), main.resolve("open"), view.resolve("db"))) {
            Files.writeString(file, "records");
        }
        Path alphaSocket = tmp.resolve("alpha.sock");
        Path betaSocket = tmp.resolve("beta.sock");
        Path policy = tmp.resolve("policy.yaml");
        Files.writeString(policy, """
                image: locks
                vms:
                  alpha:
                    listen: unix:%1$s
                    shares:
                      main:
                        path: %2$s
                        access: read-write
                        read-only: [/ro]
                        rules:
                          - {id: no-rewrite, effect: deny, ops: [OPEN_WRITE], paths: ["/kept"]}
                      view: {path: %3$s, access: read-only}
                  beta:
                    listen: unix:%4$s
                    shares:
                      main: {path: %2$s, access: read-write}
                      view: {path: %3$s, access: read-write}
                """.formatted(alphaSocket, main, view, betaSocket));
        PolicyHolder holder = PolicyHolder.load(policy);
        shares = PolicyServed.shares(holder, trail);
        gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 2));
        alpha = P9Client.open(UnixDomainSocketAddress.of(alphaSocket), 65536);
        beta = P9Client.open(UnixDomainSocketAddress.of(betaSocket), 65536);
    }

    @AfterEach
    void stop() throws Exception {
        alpha.close();
        beta.close();
        gateway.close();
        shares.close();
    }

    @Test
    void aVmThatMayOnlyReadAFileCannotLockItExclusivelyAgainstAnother() throws Exception {
        opened(alpha, "main", 1, O_RDONLY, "ro", "db");
        P9Exception refused = assertThrows(P9Exception.class, () -> lock(alpha, 1, LOCK_TYPE_WRLCK));
        assertEquals(Errno.EROFS, refused.errno(), "flock -x of a file in alpha's read-only subtree");
        AuditEntry record = onlyLockRecord();
        assertEquals(false, record.decision().allowed(), "recorded: " + record);
        assertEquals(Errno.EROFS, record.decision().errno());
        assertEquals(Errno.EROFS, record.outcome().errno(), "the record's errno is the guest's");
        assertEquals(
                List.of("vm.alpha.share.main.read-only[0]"), record.decision().ruleIds());

        opened(beta, "main", 1, O_RDWR, "ro", "db");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_RDLCK), "beta's read lock is not held back");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_WRLCK), "nor its write lock");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_UNLCK));

        assertEquals(LOCK_SUCCESS, lock(alpha, 1, LOCK_TYPE_RDLCK), "alpha's shared lock, as before");
        assertEquals(LOCK_SUCCESS, lock(alpha, 1, LOCK_TYPE_UNLCK), "and its unlock");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_WRLCK));
    }

    @Test
    void aDenyOfWritingRefusesTheWriteLockWithItsErrnoAndRule() throws Exception {
        opened(alpha, "main", 1, O_RDONLY, "kept");
        P9Exception refused = assertThrows(P9Exception.class, () -> lock(alpha, 1, LOCK_TYPE_WRLCK));
        assertEquals(Errno.EACCES, refused.errno());
        AuditEntry record = onlyLockRecord();
        assertEquals(Errno.EACCES, record.outcome().errno());
        assertEquals(
                List.of("vm.alpha.share.main.rules.no-rewrite"),
                record.decision().ruleIds());

        opened(beta, "main", 1, O_RDONLY, "kept");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_WRLCK), "beta may write it: flock -x of an O_RDONLY open");
    }

    @Test
    void aReadOnlyShareRefusesTheWriteLock() throws Exception {
        opened(alpha, "view", 1, O_RDONLY, "db");
        P9Exception refused = assertThrows(P9Exception.class, () -> lock(alpha, 1, LOCK_TYPE_WRLCK));
        assertEquals(Errno.EROFS, refused.errno());
        assertEquals(
                List.of("vm.alpha.share.view.access.read-only"),
                onlyLockRecord().decision().ruleIds());
        opened(beta, "view", 1, O_RDWR, "db");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_WRLCK));
    }

    @Test
    void aVmThatMayWriteTheFileStillLocksItThroughAReadOnlyOpen() throws Exception {
        opened(alpha, "main", 1, O_RDONLY, "open");
        assertEquals(LOCK_SUCCESS, lock(alpha, 1, LOCK_TYPE_WRLCK), "flock -x on a writable share");
        AuditEntry record = onlyLockRecord();
        assertEquals(true, record.decision().allowed(), "recorded: " + record);
        opened(beta, "main", 1, O_RDWR, "open");
        assertEquals(LOCK_BLOCKED, lock(beta, 1, LOCK_TYPE_RDLCK), "alpha's lock holds, as it may write the file");
    }

    /**
     * A read lock through a fid open write-only is granted, as a lock asking LOCK alone: the Linux client sends
     * flock(LOCK_SH) of an O_WRONLY descriptor as this very Tlock (flock needs no access mode), while fcntl's F_RDLCK
     * on such a descriptor never reaches the wire (the guest's VFS answers EBADF first), so an EBADF here would break
     * flock only. It gives the VM nothing more: the write lock it may take through that fid holds the file harder.
     */
    @Test
    void aReadLockThroughAWriteOnlyOpenIsGrantedAsFlockSharedNeedsIt() throws Exception {
        opened(alpha, "main", 1, O_WRONLY, "open");
        assertEquals(LOCK_SUCCESS, lock(alpha, 1, LOCK_TYPE_RDLCK), "flock -s of an O_WRONLY descriptor");
        assertEquals(true, onlyLockRecord().decision().allowed());
        opened(beta, "main", 1, O_RDWR, "open");
        assertEquals(LOCK_BLOCKED, lock(beta, 1, LOCK_TYPE_WRLCK), "alpha's read lock holds");
        assertEquals(LOCK_SUCCESS, lock(beta, 1, LOCK_TYPE_RDLCK), "but is shared");
    }

    private static void opened(P9Client vm, String share, int fid, int flags, String... names) throws Exception {
        vm.attach(0, "root", share, 0);
        vm.walk(0, fid, names);
        vm.lopen(fid, flags);
    }

    /** The one Tlock record so far (alpha's first Tlock: beta has not locked yet). */
    private AuditEntry onlyLockRecord() {
        List<AuditEntry> locks = trail.decisions.stream()
                .filter(e -> e.request().operation() == Operation.LOCK)
                .toList();
        assertEquals(1, locks.size(), "one record of the Tlock: " + locks);
        return locks.getFirst();
    }

    private static int lock(P9Client vm, int fid, int type) throws Exception {
        return ((RMessage.Rlock) vm.rpc(new TMessage.Tlock(fid, type, 0, 0, 0, 7, "vm"))).status();
    }
}

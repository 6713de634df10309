package io.p9gate.gateway.cli;

import static io.p9gate.gateway.cli.ReloadingGateway.LOCK_SUCCESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Red team (R-POL-7, R-ROB-2): VMs alpha and beta share {@code data}; alpha holds locks on {@code /x} and a reload
 * takes alpha's write access to {@code /x} away while alpha keeps the file open. A write lock is the right to keep
 * every other VM's locks off the file: one alpha could not take now must go at the reload, whichever way alpha opened
 * the file, and only that one: a read lock alpha may still take stays, and so do the ranges of a write lock it may
 * still take as a read lock, made read locks (session 34: before, they were released entirely, and beta's writers
 * then changed the file under alpha's process, which still believed it held it exclusively).
 */
@Timeout(60)
class WriteLockReloadAttackTest {
    private static final int BLOCKED = 1;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final byte READ = (byte) LockConstants.LOCK_TYPE_RDLCK;
    private static final byte WRITE = (byte) LockConstants.LOCK_TYPE_WRLCK;
    private static final byte UNLOCK = (byte) LockConstants.LOCK_TYPE_UNLCK;

    @TempDir
    Path tmp;

    /**
     * alpha's write lock through a fid it opened O_RDWR while it could write {@code /x}: after the reload makes
     * {@code /x} read-only to alpha its Twrite there is EROFS, and so is a new write lock through that fid; the one it
     * holds is no longer exclusive (before session 33 it stayed, and beta stayed blocked) but stays a read lock, which
     * alpha may take (before session 34 it went entirely); alpha's unlock afterwards succeeds.
     */
    @Test
    void aWriteLockThroughAWriteOpenBecomesAReadLockWhenTheReloadMakesTheFileReadOnly() throws Exception {
        try (Fixture f = new Fixture()) {
            f.alpha.walk(0, 1, "x");
            f.alpha.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, WRITE, 1, 0), "alpha may write /x");
            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 0));

            f.reload("access: read-write, read-only: [/x]");

            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 0), "alpha keeps the range as a read lock");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, READ, 1, 0), "no longer exclusively");
            List<AuditEntry> released = f.released();
            assertEquals(1, released.size(), "one release recorded: " + released);
            assertEquals(
                    List.of("vm.alpha.share.data.read-only[0]"),
                    released.getFirst().decision().ruleIds());
            assertEquals(Errno.EROFS, released.getFirst().decision().errno());
            assertTrue(
                    released.getFirst()
                            .request()
                            .detail()
                            .endsWith("type=1 start=0 length=0 released=reload kept=read"),
                    released.getFirst().request().detail());
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, UNLOCK, 1, 0));
            assertEquals(
                    Errno.EROFS,
                    assertThrows(P9Exception.class, () -> lock(f.alpha, 1, WRITE, 1, 0))
                            .errno(),
                    "as alpha's Twrite through that fid, a new write lock through it is refused");
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, UNLOCK, 1, 0), "the guest's unlock answers cleanly");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, WRITE, 1, 0), "alpha's unlock let its read lock go");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, UNLOCK, 1, 0));
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, READ, 1, 0), "alpha may still read-lock /x");
            assertFalse(f.gateway.trail.sessionClosed("alpha"), "alpha stays connected");
        }
    }

    /**
     * A file the reload hides from alpha: its lock goes (as {@code LockRefusedByReloadAttackTest} shows), and alpha's
     * later unlock through the fid is answered as every request on a hidden file is, ENOENT, refused and recorded
     * with that errno; beta's lock there is not disturbed by it.
     */
    @Test
    void anUnlockOfAFileTheReloadHidAnswersAsTheHiddenFile() throws Exception {
        try (Fixture f = new Fixture()) {
            f.alpha.walk(0, 1, "x");
            f.alpha.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, WRITE, 1, 0));

            f.reload("access: read-write, hidden: [/x]");

            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, WRITE, 1, 0));
            assertEquals(
                    Errno.ENOENT,
                    assertThrows(P9Exception.class, () -> lock(f.alpha, 1, UNLOCK, 1, 0))
                            .errno());
            AuditEntry unlock = f.gateway.trail.decisions.getLast();
            assertEquals(Errno.ENOENT, unlock.decision().errno(), "the unlock's record: " + unlock);
            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 2, 0), "beta's lock stays");
        }
    }

    /**
     * alpha holds, through one fid opened O_RDONLY, a write lock (flock -x, taken while it could write {@code /x}) on
     * byte 0 and a read lock on byte 10 as another process. The reload that makes {@code /x} read-only makes the
     * write lock a read lock: alpha may still take read locks. Before session 33 both went; before session 34 the
     * write lock went entirely.
     */
    @Test
    void aReadLockTheVmMayStillTakeStaysWhenItsWriteLockIsReleased() throws Exception {
        try (Fixture f = new Fixture()) {
            f.alpha.walk(0, 1, "x");
            f.alpha.lopen(1, O_RDONLY);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, WRITE, 1, 0));
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, READ, 2, 10));

            f.reload("access: read-write, read-only: [/x]");

            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 0), "alpha's write lock stays a read lock");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, READ, 1, 0), "no longer exclusive");
            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 10), "alpha's read lock stays");
            assertEquals(1, f.released().size(), "one release recorded: " + f.released());
        }
    }

    /**
     * alpha's uid 1000 and uid 0 each hold a write lock on {@code /x} through a fid of their own attach (as the
     * Linux client attaches per user). A reload that forbids uid 1000 to write {@code /x} makes uid 1000's lock a
     * read lock, and only that one: root may still take its own, and so may a process that locked through both fids (POSIX locks are the
     * process's, not the descriptor's). Before, the refusal through uid 1000's fid released all of alpha's locks on
     * the file.
     */
    @Test
    void aWriteLockThroughAnotherUsersFidThatMayStillWriteStays() throws Exception {
        try (Fixture f = new Fixture()) {
            f.alpha.attach(2, "user", "data", 1000);
            f.alpha.walk(2, 3, "x");
            f.alpha.lopen(3, O_RDWR);
            f.alpha.walk(0, 1, "x");
            f.alpha.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 3, WRITE, 1000, 0), "uid 1000's process");
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, WRITE, 1, 10), "root's process");
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 3, WRITE, 7, 20), "a process locking through both fids");
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, WRITE, 7, 21));
            Files.writeString(tmp.resolve("user.cedar"), """
                    @id("user-may-not-write-x")
                    @errno("EACCES")
                    forbid (principal == P9gate::Vm::"alpha", action == P9gate::Action::"OPEN_WRITE",
                            resource == P9gate::File::"alpha/data:/x")
                    when { context.uid == 1000 };
                    """);

            f.reload("access: read-write", "cedar: [user.cedar]\n");

            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 0), "uid 1000's lock stays a read lock");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, READ, 1, 0), "no longer exclusive");
            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 10), "root's lock stays");
            assertEquals(
                    BLOCKED,
                    lock(f.beta, 1, WRITE, 1, 20),
                    "a lock whose owner may still take it through root's fid stays, whichever fid took it");
            List<AuditEntry> released = f.released();
            assertEquals(1, released.size(), "one release recorded: " + released);
            assertEquals(
                    List.of("user-may-not-write-x"),
                    released.getFirst().decision().ruleIds());
            assertEquals(Errno.EACCES, released.getFirst().decision().errno());
        }
    }

    /**
     * alpha's process 7 holds a write lock on {@code /x}, taken through a fid of uid 1000's attach and again through
     * one of root's. The reload makes {@code /x} read-only and hides it from uid 1000: through root's fid the process
     * may still take a read lock, so its write lock becomes one, whichever fid is re-decided first. Before, when uid
     * 1000's fid came first (fids are met in their numbers' order), its refusal, with no read lock allowed through
     * it, released the lock entirely, and root's fid then found nothing to keep: beta could write-lock the range.
     * Process 8's read lock, taken through uid 1000's fid only, goes; its release must not take process 7's new read
     * lock with it (met after the downgrade, uid 1000's fid holds it too).
     */
    @ParameterizedTest(name = "uid 1000''s fid {0}, root''s fid {1}")
    @CsvSource({"3, 9", "9, 3"})
    void aWriteLockStaysAReadLockWhenAnotherFidOfItsOwnerMayStillReadIt(int userFid, int rootFid) throws Exception {
        try (Fixture f = new Fixture()) {
            f.alpha.attach(2, "user", "data", 1000);
            f.alpha.walk(2, userFid, "x");
            f.alpha.lopen(userFid, O_RDWR);
            f.alpha.walk(0, rootFid, "x");
            f.alpha.lopen(rootFid, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, userFid, WRITE, 7, 0));
            assertEquals(LOCK_SUCCESS, lock(f.alpha, rootFid, WRITE, 7, 0), "the same process through root's fid");
            assertEquals(LOCK_SUCCESS, lock(f.alpha, userFid, READ, 8, 10), "uid 1000's process 8 reads byte 10");
            Files.writeString(tmp.resolve("user.cedar"), """
                    @id("user-may-not-see-x")
                    @errno("ENOENT")
                    forbid (principal == P9gate::Vm::"alpha", action, resource == P9gate::File::"alpha/data:/x")
                    when { context.uid == 1000 };
                    """);

            f.reload("access: read-write, read-only: [/x]", "cedar: [user.cedar]\n");

            assertEquals(BLOCKED, lock(f.beta, 1, WRITE, 1, 0), "alpha's write lock stays a read lock");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, READ, 1, 0), "no longer exclusive");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, WRITE, 1, 10), "process 8 may read /x through no fid");
            List<String> released =
                    f.released().stream().map(r -> r.request().detail()).toList();
            assertEquals(2, released.size(), "two releases recorded: " + released);
            assertEquals(
                    1,
                    released.stream()
                            .filter(d -> d.endsWith("type=1 start=0 length=0 released=reload kept=read"))
                            .count(),
                    "the write lock kept as a read lock: " + released);
            assertEquals(
                    1,
                    released.stream()
                            .filter(d -> d.endsWith("type=0 start=0 length=0 released=reload"))
                            .count(),
                    "process 8's read lock released: " + released);
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, UNLOCK, 1, 0));
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, UNLOCK, 1, 10));
            assertEquals(LOCK_SUCCESS, lock(f.alpha, rootFid, UNLOCK, 7, 0), "root's unlock lets it go");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, WRITE, 1, 0));
        }
    }

    /**
     * One process of alpha (proc 1) locked {@code /x} through two fids, 1 and 2; a reload hides {@code /x} and
     * releases its lock. Each fid remembers the owner (one entry of alpha's lock budget each): the fid whose
     * re-decision released forgot it, the other kept it, an entry counted for an owner holding nothing until that fid
     * was clunked or locked through again. With alpha's budget of 3, the two ranges alpha's process 2 then takes
     * through a third fid (3 entries) were ENOLCK. The later unlock through fid 2 and its clunk release nothing
     * twice: beta's lock, taken meanwhile, stays.
     */
    @Test
    void aSecondFidOfAnOwnerWhoseLockAReloadReleasedForgetsIt() throws Exception {
        try (Fixture f = new Fixture("limits: {locks: 3}")) {
            f.alpha.walk(0, 1, "x");
            f.alpha.lopen(1, O_RDWR);
            f.alpha.walk(0, 2, "x");
            f.alpha.lopen(2, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 1, WRITE, 1, 0));
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 2, WRITE, 1, 0), "the same range again: fid 2 remembers proc 1");

            f.reload("access: read-write, hidden: [/x]");
            assertEquals(LOCK_SUCCESS, lock(f.beta, 1, WRITE, 1, 0), "alpha's lock went");
            f.reload("access: read-write");
            f.alpha.walk(0, 3, "y");
            f.alpha.lopen(3, O_RDWR);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 3, WRITE, 2, 0), "two entries: fid 3 remembers proc 2, a range");
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 3, WRITE, 2, 5), "a third: no stale entry is counted");
            f.alpha.clunk(3);
            assertEquals(LOCK_SUCCESS, lock(f.alpha, 2, UNLOCK, 1, 0), "an unlock of nothing held");
            f.alpha.clunk(2);
            assertEquals(BLOCKED, lock(f.alpha, 1, WRITE, 1, 0), "neither released beta's lock");
        }
    }

    /** Rlock's status of a lock of {@code type} on byte {@code start} of {@code fid}'s file by process {@code proc}. */
    private static int lock(P9Client client, int fid, byte type, int proc, long start) throws Exception {
        var reply = (RMessage.Rlock) client.rpc(new TMessage.Tlock(fid, type, 0, start, 1, proc, "host"));
        return reply.status();
    }

    /** alpha and beta attached to {@code data} (fid 0), beta's {@code /x} open for writing as fid 1. */
    private final class Fixture implements AutoCloseable {
        final Path file = tmp.resolve("policy.yaml");
        final ReloadingGateway gateway;
        final P9Client alpha;
        final P9Client beta;

        /** alpha's VM entry's extra line, e.g. its limits; "" for none. */
        final String alphaLine;

        Fixture() throws Exception {
            this("");
        }

        Fixture(String alphaLine) throws Exception {
            this.alphaLine = alphaLine;
            Files.createDirectories(tmp.resolve("data"));
            Files.createDirectories(tmp.resolve("own"));
            Files.writeString(tmp.resolve("data/x"), "hello");
            Files.writeString(tmp.resolve("data/y"), "hello");
            Files.writeString(file, policy("access: read-write", ""));
            gateway = new ReloadingGateway(file);
            alpha = ReloadingGateway.connect(tmp.resolve("alpha.sock"));
            beta = ReloadingGateway.connect(tmp.resolve("beta.sock"));
            gateway.closeRemovedVms();
            gateway.closeTakenShares();
            alpha.attach(0, "root", "data", 0);
            beta.attach(0, "root", "data", 0);
            beta.walk(0, 1, "x");
            beta.lopen(1, O_RDWR);
        }

        void reload(String alphaData) throws Exception {
            reload(alphaData, "");
        }

        void reload(String alphaData, String header) throws Exception {
            Files.writeString(file, policy(alphaData, header));
            assertInstanceOf(PolicyHolder.ReloadResult.Loaded.class, gateway.reloader.reload());
        }

        List<AuditEntry> released() {
            return gateway.trail.decisions.stream()
                    .filter(r -> r.request().detail().contains("released=reload"))
                    .toList();
        }

        private String policy(String alphaData, String header) {
            String listen = "    listen: unix:" + tmp.resolve("alpha.sock") + "\n";
            return header
                    + ReloadingGateway.alphaAndBeta(
                                    tmp, "      data: {path: %s, %s}\n".formatted(tmp.resolve("data"), alphaData))
                            .replace(listen, alphaLine.isEmpty() ? listen : listen + "    " + alphaLine + "\n");
        }

        @Override
        public void close() {
            try (gateway) {
                alpha.close();
                beta.close();
            }
        }
    }
}

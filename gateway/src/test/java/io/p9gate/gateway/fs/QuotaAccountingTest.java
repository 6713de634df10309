package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.backend.FileIo;
import io.p9gate.gateway.backend.FileKey;
import io.p9gate.gateway.backend.LinuxSyscalls;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.OpenInodes;
import io.p9gate.gateway.backend.QidMapper;
import io.p9gate.gateway.policyadapter.PolicyQuotas;
import io.p9gate.gateway.policyadapter.QuotaPolicyRig;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mechanics under the quota rules (R-POL-6): paths read under the inode's lock, locks, open inodes. */
class QuotaAccountingTest {
    private static final Subject ROOT_USER = new Subject(0, 0);
    private static final int O_RDWR = 2;
    private static final int O_EXCL = 0200;

    @TempDir
    Path tmp;

    Path data;
    QuotaPolicyRig rig;
    LocalShare share;

    @BeforeEach
    void setUp() throws Exception {
        data = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(data.resolve("cache"));
        rig = new QuotaPolicyRig(tmp, "vm", data, "{path: /cache, bytes: 1KiB, inodes: 10}");
        share = LocalShare.open("data", data, new QidMapper());
    }

    @AfterEach
    void tearDown() {
        FileIo.whileCreating(null);
        InodeLocks.whileWaiting(null);
        share.close();
        rig.close();
    }

    /**
     * A write is decided on the path its fid had; a guest rename of the file into the scope completing
     * between that decision and the write (here: inside the decision) must not leave the growth uncounted.
     */
    @Test
    void aWriteCountsWhereTheFileIsWhenItWrites() throws Exception {
        Files.createFile(data.resolve("out"));
        AtomicReference<Runnable> onWrite = new AtomicReference<>(() -> {});
        AccessPolicy policy = request -> {
            if (request.operation() == Operation.WRITE) {
                onWrite.getAndSet(() -> {}).run();
            }
            return Decision.allow(List.of("test"));
        };
        GuardedFs fs = new GuardedFs("vm", 1, policy, new NoAudit(), ChownedIds.UNMAPPED, rig.quotas.of("vm"));
        try (FileHandle root = fs.attach(ROOT_USER, "data", new SessionShares(Map.of("data", share)))
                        .root();
                FileHandle cache = fs.walk(ROOT_USER, root, List.of("cache"), GuardedFs.NO_CLAIM)
                        .handle();
                FileHandle file = fs.walk(ROOT_USER, root, List.of("out"), GuardedFs.NO_CLAIM)
                        .handle();
                OpenHandle opened =
                        fs.open(ROOT_USER, file, O_RDWR, false, () -> {}).file()) {
            onWrite.set(() -> {
                try {
                    fs.renameat(ROOT_USER, root, "out", cache, "in"); // another request of the VM
                } catch (P9Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            P9Exception refused = assertThrows(
                    P9Exception.class, () -> fs.write(ROOT_USER, file, opened, 0, ByteBuffer.wrap(new byte[2048])));
            assertEquals(Errno.EDQUOT, refused.errno());
            assertEquals(0, Files.size(data.resolve("cache/in")));
        }
    }

    /**
     * The cost of asking which names a file's handles hold before it changes scopes: nothing for a file no handle
     * holds (a rename between scopes makes as many system calls as one between two directories outside any), one
     * readlinkat per handle open on it.
     */
    @Test
    void aRenameBetweenScopesAsksOnlyTheHandlesOpenOnTheFile() throws Exception {
        Files.createDirectories(data.resolve("out"));
        Files.createDirectories(data.resolve("out2"));
        for (String name : List.of("f1", "f2", "f3")) {
            Files.createFile(data.resolve("out").resolve(name));
        }
        GuardedFs fs = allowingAll();
        try (FileHandle root = fs.attach(ROOT_USER, "data", new SessionShares(Map.of("data", share)))
                        .root();
                FileHandle out = walk(fs, root, "out");
                FileHandle out2 = walk(fs, root, "out2");
                FileHandle cache = walk(fs, root, "cache")) {
            long outside = callsOf(() -> fs.renameat(ROOT_USER, out, "f1", out2, "f1"));
            // A rename moves the share's rename counter, and the next walk reads the share's own path again
            // (KernelPaths.rootPrefix): a walk before each rename measured pays that read outside it.
            walk(fs, out2, "f1").close();
            long intoScope = callsOf(() -> fs.renameat(ROOT_USER, out, "f2", cache, "f2"));
            long held;
            try (FileHandle _ = walk(fs, out, "f3")) {
                held = callsOf(() -> fs.renameat(ROOT_USER, out, "f3", cache, "f3"));
            }
            assertEquals(outside, intoScope, "no handle open on the file: no system call more");
            assertEquals(outside + 1, held, "one handle open on the file: one readlinkat");
        }
    }

    /**
     * A Tlcreate that fails after it made its file: between the create's open and its handle, another connection
     * links the new "a" as "b" and unlinks "a" (a name whose file keeps another: one inode back), and a rename between
     * scopes looks for handles holding removed names, as it must. The create's handle holds one, so the create fails
     * with ENOENT, while its file lives on as "b". The create's inode must stay counted: before, it was given back,
     * the count was 1 inode where a restart finds 2, and each such race gave the VM one more inode than its limit.
     * The create's outcome record says the file was made ({@code applied=created}): before, it said only that the
     * create failed, and the log missed a file the host keeps.
     */
    @Test
    void aCreateRefusedForANameLostMeanwhileKeepsItsFileCounted() throws Exception {
        GuardedFsTest.RecordingAudit audit = new GuardedFsTest.RecordingAudit();
        createRefusedForALostName(allowingAll(audit), ROOT_USER, 0644);

        assertTrue(Files.exists(data.resolve("cache/b")), "the file made lives on as b");
        assertFalse(Files.exists(data.resolve("cache/a")));
        GuardedFsTest.Recorded create = lastCreate(audit);
        assertEquals(RecordPhase.OUTCOME, create.phase());
        assertEquals(Errno.ENOENT, create.outcome().errno());
        assertTrue(
                create.request().detail().contains("applied=created"),
                create.request().detail());
        assertEquals(new PolicyQuotas(rig.holder.current()).usage("vm"), rig.quotas.usage("vm"), "as a restart counts");
    }

    /**
     * The same race, the create asked by a guest user who is not the gateway's host user: the file living on as "b"
     * ends with the owner and mode a successful create gives it. Before, it stayed the gateway's own (uid 0 here),
     * with the mode the gateway's umask left.
     */
    @Test
    void aFileMadeByACreateRefusedForANameLostMeanwhileIsTheGuestUsers() throws Exception {
        Subject guest = new Subject(4321, 4321);
        createRefusedForALostName(allowingAll(), guest, 0666);

        Path kept = data.resolve("cache/b");
        assertEquals(4321, Files.getAttribute(kept, "unix:uid"), "owner");
        assertEquals(4321, Files.getAttribute(kept, "unix:gid"), "group");
        assertEquals(0666, (int) Files.getAttribute(kept, "unix:mode") & 07777, "mode");
    }

    /**
     * {@code who} creates "a" in /cache with {@code mode}; between its open and its handle, other requests link "a" as
     * "b", unlink "a" and rename a file into the scope: the create fails with ENOENT.
     */
    private void createRefusedForALostName(GuardedFs fs, Subject who, int mode) throws Exception {
        Files.createDirectories(data.resolve("out"));
        Files.createFile(data.resolve("out/x"));
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (FileHandle root = fs.attach(ROOT_USER, "data", new SessionShares(Map.of("data", share)))
                        .root();
                FileHandle cache = walk(fs, root, "cache");
                FileHandle out = walk(fs, root, "out")) {
            FileIo.whileCreating(() -> {
                FileIo.whileCreating(null);
                try {
                    try (FileHandle made = walk(fs, cache, "a")) {
                        fs.link(ROOT_USER, cache, made, "b");
                    }
                    fs.unlinkat(ROOT_USER, cache, "a", false);
                    fs.renameat(ROOT_USER, out, "x", cache, "x");
                } catch (Throwable e) {
                    failed.set(e);
                }
            });

            P9Exception refused = assertThrows(
                    P9Exception.class,
                    () -> fs.create(who, cache, "a", O_RDWR | O_EXCL, mode, who.gid(), true, GuardedFs.NO_CLAIM));

            assertNull(failed.get(), "the other connection's requests failed: " + failed.get());
            assertEquals(Errno.ENOENT, refused.errno());
        }
    }

    /**
     * A Tlcreate whose finish fails (ENOSPC on a full share) takes its file back while a rename of the same VM has
     * looked at the new name, seen the file made there, and is about to replace it (here: waiting in its rename call,
     * its inodes locked). Before, the take-back held no lock: it removed the file, the create gave its inode back, and
     * the rename then replaced a name already free and gave the made file's inode back too, one inode below what a
     * restart counts. Now the take-back waits for the inode's lock: the rename replaces the file made, and the create,
     * which can no longer take it back, keeps its inode counted.
     */
    @Test
    void aTakeBackWaitsForARenameThatSawTheFileMade() throws Exception {
        Files.createDirectories(data.resolve("out"));
        Files.writeString(data.resolve("out/x"), "theirs");
        QuotaAccounting quota = new QuotaAccounting(rig.quotas.of("vm"));
        GuardedFs fs = allowingAll();
        CountDownLatch renameLooked = new CountDownLatch(1);
        CountDownLatch renameGoes = new CountDownLatch(1);
        AtomicReference<Throwable> renameFailed = new AtomicReference<>();
        InodeLocks.whileWaiting(renameGoes::countDown);
        try (FileHandle root = fs.attach(ROOT_USER, "data", new SessionShares(Map.of("data", share)))
                        .root();
                FileHandle cache = walk(fs, root, "cache");
                FileHandle out = walk(fs, root, "out")) {
            Thread rename = new Thread(() -> {
                try {
                    quota.moving(
                            "data",
                            QuotaAccounting.named(out.node(), "x", () -> "out/x"),
                            QuotaAccounting.named(cache.node(), "a", () -> "cache/a"),
                            true,
                            replace -> {
                                renameLooked.countDown();
                                awaitUninterruptibly(renameGoes);
                                share.entries().renameAt(out.node(), "x", cache.node(), "a", replace);
                            });
                } catch (Throwable e) {
                    renameFailed.set(e);
                } finally {
                    renameLooked.countDown();
                }
            });
            Entries.Finish startsTheRenameThenFails = (node, stat) -> {
                rename.start();
                awaitUninterruptibly(renameLooked);
                throw new P9Exception(Errno.ENOSPC, "no room for the owner");
            };

            P9Exception failed = assertThrows(
                    P9Exception.class,
                    () -> quota.creating(
                            "data",
                            null,
                            () -> "cache/a",
                            false,
                            takingBack -> share.io()
                                    .create(
                                            cache.node(),
                                            "a",
                                            O_RDWR,
                                            0644,
                                            true,
                                            startsTheRenameThenFails,
                                            takingBack),
                            FileIo.Created::isNew,
                            () -> share.io().existing(cache.node(), "a", O_RDWR, true)));
            renameGoes.countDown(); // without a lock to wait for, the take-back is done by now
            rename.join();

            assertNull(renameFailed.get(), "the rename failed: " + renameFailed.get());
            assertEquals(Errno.ENOSPC, failed.errno());
        }
        assertEquals("theirs", Files.readString(data.resolve("cache/a")));
        assertEquals(new PolicyQuotas(rig.holder.current()).usage("vm"), rig.quotas.usage("vm"), "as a restart counts");
    }

    /**
     * A fault (a bug) in a Tlcreate once its file exists, before its handle is made: the file stays, not taken back.
     * Its inode stays counted and its outcome record says it was made; before, the fault gave the inode back while
     * the file lived on, uncounted.
     */
    @Test
    void aFaultAfterTheFileIsMadeKeepsItCounted() throws Exception {
        GuardedFsTest.RecordingAudit audit = new GuardedFsTest.RecordingAudit();
        GuardedFs fs = allowingAll(audit);
        FileIo.whileCreating(() -> {
            FileIo.whileCreating(null);
            throw new IllegalStateException("a fault in the create");
        });
        try (FileHandle root = fs.attach(ROOT_USER, "data", new SessionShares(Map.of("data", share)))
                        .root();
                FileHandle cache = walk(fs, root, "cache")) {
            P9Exception failed = assertThrows(
                    P9Exception.class,
                    () -> fs.create(ROOT_USER, cache, "a", O_RDWR | O_EXCL, 0644, 0, true, GuardedFs.NO_CLAIM));

            assertEquals(Errno.EIO, failed.errno());
        }
        assertTrue(Files.exists(data.resolve("cache/a")), "the file made lives on");
        assertEquals(new PolicyQuotas(rig.holder.current()).usage("vm"), rig.quotas.usage("vm"), "as a restart counts");
        assertTrue(lastCreate(audit).request().detail().contains("applied=created"), "the log says it was made");
    }

    private static GuardedFsTest.Recorded lastCreate(GuardedFsTest.RecordingAudit audit) {
        return audit.records.stream()
                .filter(r -> r.request().operation() == Operation.CREATE)
                .reduce((first, last) -> last)
                .orElseThrow();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface Request {
        void run() throws P9Exception;
    }

    private static long callsOf(Request request) throws P9Exception {
        long before = LinuxSyscalls.calls();
        request.run();
        return LinuxSyscalls.calls() - before;
    }

    /** The VM's guarded filesystem under a policy that allows everything. */
    private GuardedFs allowingAll() {
        return allowingAll(new NoAudit());
    }

    /** As {@link #allowingAll()}, recording in {@code audit}. */
    private GuardedFs allowingAll(AuditTrail audit) {
        return new GuardedFs(
                "vm", 1, request -> Decision.allow(List.of("test")), audit, ChownedIds.UNMAPPED, rig.quotas.of("vm"));
    }

    private static FileHandle walk(GuardedFs fs, FileHandle from, String name) throws P9Exception {
        return fs.walk(ROOT_USER, from, List.of(name), GuardedFs.NO_CLAIM).handle();
    }

    /**
     * A Tlcreate, Tmkdir or Tlink through the fid of a regular file (ENOTDIR) names it as the directory: DirSize
     * counts nothing there, or what the file grew by while the request was in flight (its writes, counted by
     * resizing) would be counted a second time (b38003d3; before, only a race amplifier showed it).
     */
    @Test
    void aRegularFileNamedAsTheDirectoryOfARequestIsNotCountedAsOne() throws Exception {
        Path file = Files.createFile(data.resolve("cache/f"));
        Quotas quotas = rig.quotas.of("vm");
        try (Node root = share.root().root();
                Node cache = share.root().lookup(root, "cache");
                Node f = share.root().lookup(cache, "f")) {
            DirSize in = DirSize.of(quotas, "data", f, "cache/f/x");
            Files.write(file, new byte[8192]); // its writes meanwhile, as another request counts them
            in.settle("data", quotas);
        }
        assertEquals(0, rig.quotas.usage("vm").values().iterator().next().bytes());
    }

    @Test
    void inodeLocksExistOnlyWhileUsedAndTwoAreTakenInOneOrder() {
        InodeLocks locks = new InodeLocks();
        FileKey a = new FileKey(1, 2);
        FileKey b = new FileKey(1, 3);
        try (InodeLocks.Locked _ = locks.lock(b, a);
                InodeLocks.Locked _ = locks.lock(a, a)) {
            assertEquals(2, locks.inUse(), "reentrant, one entry per inode");
        }
        assertEquals(0, locks.inUse());
    }

    @Test
    void anInodeIsOpenUntilItsLastHandleCloses() throws Exception {
        Files.createFile(data.resolve("f"));
        Node root = share.root().root();
        Node file = share.root().lookup(root, "f");
        Node clone = file.share();
        AtomicInteger closed = new AtomicInteger();
        assertTrue(OpenInodes.whenClosed(file.key(), closed::incrementAndGet));
        file.close();
        assertEquals(0, closed.get(), "a cloned fid still holds it");
        clone.close();
        assertEquals(1, closed.get());
        assertFalse(OpenInodes.whenClosed(file.key(), closed::incrementAndGet), "nothing holds it now");
        root.close();
    }
}

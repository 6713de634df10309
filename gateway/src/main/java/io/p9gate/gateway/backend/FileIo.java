package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_ACCMODE;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_CLOEXEC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_CREAT;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_DIRECTORY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_EXCL;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_RDONLY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_TRUNC;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Opening regular files and directories for I/O, and reading/writing/syncing them. */
public final class FileIo {
    private final ShareRoot share;

    /** Test seam: see {@link #whileCreating(Runnable)}. */
    private static volatile Runnable whileCreating;

    /**
     * Test seam (fs.QuotaAccountingTest): {@code hook} runs in each Tlcreate that makes its file, once the file
     * exists under its name and before its handle is made, the window other requests on the new name aim at; null
     * removes it.
     */
    public static void whileCreating(Runnable hook) {
        whileCreating = hook;
    }

    /** Test seam: see {@link #whileWriting(Runnable, Runnable)}. */
    private static volatile Runnable[] whileWriting;

    /**
     * Test seam (HostSetIdWriteRaceAttackTest, HostSetIdTruncateRaceAttackTest): {@code before} runs just before each
     * pwrite of one byte or more and each truncate (a Tsetattr's size, an open with O_TRUNC), {@code after} just after
     * it, both as the request; null removes them.
     */
    public static void whileWriting(Runnable before, Runnable after) {
        whileWriting = before == null ? null : new Runnable[] {before, after};
    }

    public FileIo(ShareRoot share) {
        this.share = share;
    }

    /**
     * Opens the inode a handle names for I/O with already-sanitised host flags. Only regular files
     * and directories: a fifo, socket or device node is never opened on the host (R-CONF-2).
     */
    public OpenFile open(Node node, int flags) throws P9Exception {
        switch (node.type()) {
            case REGULAR -> {
                return reopen(node, flags);
            }
            case DIRECTORY -> {
                // open(2): O_TRUNC asks for write access too, so a directory opened with it is EISDIR.
                if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0) {
                    throw new P9Exception(Errno.EISDIR, "open a directory for writing");
                }
                return reopen(node, O_RDONLY | O_DIRECTORY);
            }
            case SYMLINK -> throw new P9Exception(Errno.ELOOP, "open a symlink");
            case FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE ->
                throw new P9Exception(Errno.ENXIO, "special files are not opened on the host");
        }
        throw new AssertionError(node.type());
    }

    /** With O_TRUNC the open truncates: as a truncate, without CAP_FSETID ({@link #changingData}). */
    private static OpenFile reopen(Node node, int flags) throws P9Exception {
        Fd.Opening open = () ->
                node.use(pfd -> LinuxSyscalls.openat(AT_FDCWD, LinuxSyscalls.procPath(pfd), flags | O_CLOEXEC, 0));
        Fd fd = Fd.open((flags & O_TRUNC) == 0 ? open : () -> changingData(open::open));
        return new OpenFile(fd, node.type(), node.key(), flags);
    }

    /**
     * The file Tlcreate opened and its descriptor.
     *
     * @param isNew false when, without O_EXCL, an existing file was opened instead: it keeps its
     *              owner (the gateway must never give another user's file to the requester)
     * @param stat  a new file's stat just after the create (its owner, size, times and so its qid; its mode may
     *              have been set since); null for an existing file
     */
    public record Created(Node node, OpenFile file, boolean isNew, FileStat stat) {}

    /**
     * Creates {@code name} in {@code dir}, gives a new file its mode and {@code finish} (its owner), and opens it.
     * Without O_EXCL an existing entry is opened through the ordinary checked path (it may not be a symlink, fifo or
     * device), and {@code finish} is not applied.
     */
    public Created create(Node dir, String name, int flags, int mode, boolean exclusive, Entries.Finish finish)
            throws P9Exception {
        return create(dir, name, flags, mode, exclusive, finish, TakeBackLock.NONE);
    }

    /**
     * As {@link #create(Node, String, int, int, boolean, Entries.Finish)}; a take-back holds {@code takingBack}. A
     * failure after the file was made (its mode, its owner: on a full file system the owner's xattrs may not fit where
     * the file did) removes it again, so a create answered with an error leaves nothing the guest did not get, owned
     * by no guest user.
     */
    public Created create(
            Node dir,
            String name,
            int flags,
            int mode,
            boolean exclusive,
            Entries.Finish finish,
            TakeBackLock takingBack)
            throws P9Exception {
        Names.check(name);
        if (!dir.isDirectory()) {
            throw new P9Exception(Errno.ENOTDIR, "create in a non-directory");
        }
        long epoch = share.learningEpoch(dir); // before the file exists under its name: see ShareRoot.learnChildPath
        Examined made;
        boolean[] exists = {false};
        RuntimeException[] fault = {null};
        try {
            // The descriptor the create opened is the new file's handle too (Node.openedAs): no O_PATH reopen
            // through /proc, no second close at clunk (issue 11). On failure examine closes it.
            made = ConfinedOpens.openNamed(
                    () -> {
                        int fd = dir.use(
                                dfd -> ConfinedOpens.openBeneath(dfd, name, flags | O_CREAT | O_EXCL, mode & 07777));
                        exists[0] = true;
                        Runnable hook = whileCreating;
                        if (hook != null) {
                            try {
                                hook.run();
                            } catch (RuntimeException e) {
                                // Thrown from here, the descriptor just opened would never be closed: it becomes
                                // the handle, and the fault fails the create below.
                                fault[0] = e;
                            }
                        }
                        return fd;
                    },
                    lost -> finishKept(lost.node(), lost.stat(), mode, finish));
        } catch (P9Exception e) {
            if (e.errno() == Errno.EEXIST && !exclusive) {
                return openExisting(dir, name, flags);
            }
            // Made (O_EXCL), then refused as its handle was made: its name was removed meanwhile while the file kept
            // another (ConfinedOpens.openNamed). That name is gone, and the file is no longer the create's to take
            // back.
            throw exists[0] ? new MadeFileNotTakenBack(e) : e;
        } catch (RuntimeException e) {
            // A fault once the file existed: it was not taken back, so it counts as made whatever failed.
            if (exists[0]) {
                throw MadeFileNotTakenBack.of(e);
            }
            throw e;
        }
        Node node = made.node();
        if (fault[0] != null) {
            // A fault once the file existed: it was not taken back, so it counts as made, as the guest user's.
            try {
                finishKept(node, made.stat(), mode, finish);
            } finally {
                node.close();
            }
            throw MadeFileNotTakenBack.of(fault[0]);
        }
        OpenFile file;
        try {
            file = node.openedAs(flags);
        } catch (P9Exception | RuntimeException e) {
            try {
                takeBack(dir, name, node, made.stat(), takingBack, e, mode, finish);
            } finally {
                node.close();
            }
            throw e;
        }
        try {
            CreateModes.set(node, mode, made.stat());
            finish.apply(node, made.stat());
            share.learnChildPath(dir, name, node, epoch);
            return new Created(node, file, true, made.stat());
        } catch (P9Exception | RuntimeException e) {
            try {
                takeBack(dir, name, node, made.stat(), takingBack, e, mode, finish);
            } finally {
                file.close();
                node.close(); // both hold the descriptor (openedAs): kept, it would keep the unlinked file's space too
            }
            throw e;
        }
    }

    /**
     * Takes back the file a create made before it failed with {@code failure} ({@link UnmadeFile}), holding
     * {@code takingBack}'s lock on its inode from the look at its name to its unlink.
     *
     * @throws MadeFileNotTakenBack if it could not be: the file made is given its mode and owner ({@link
     *     #finishKept}), the create fails with {@code failure}'s errno all the same (EIO for a fault), and a quota keeps
     *     its inode
     */
    private static void takeBack(
            Node dir,
            String name,
            Node node,
            FileStat made,
            TakeBackLock takingBack,
            Exception failure,
            int mode,
            Entries.Finish finish)
            throws MadeFileNotTakenBack {
        boolean taken;
        try (TakeBackLock.Held _ = takingBack.hold(made.key())) {
            taken = UnmadeFile.remove(dir, name, made);
        }
        if (!taken) {
            finishKept(node, made, mode, finish);
            throw MadeFileNotTakenBack.of(failure);
        }
    }

    /**
     * Gives a file made by a failed create that lives on (under its name or another) the mode and owner a successful
     * create gives it: left as made, it would be the gateway's own host user's, a file in the VM's share that none of
     * the VM's users owns. Best effort: the create fails with its own error whatever happens here, and what fails here
     * (the very finish that failed the create, say) leaves the file as it is.
     */
    private static void finishKept(Node node, FileStat made, int mode, Entries.Finish finish) {
        try {
            CreateModes.set(node, mode, made);
            finish.apply(node, made);
        } catch (P9Exception | RuntimeException e) {
            // Nothing more to do: the create's own failure is what the guest is answered and the log records.
        }
    }

    /**
     * What {@link #create} answers for a name that has an entry, without making one: where no inode may be taken (a
     * quota's scope at its limit), open(2) with O_CREAT still opens an existing file, and with O_EXCL answers EEXIST.
     * ENOENT where the name has no entry.
     */
    public Created existing(Node dir, String name, int flags, boolean exclusive) throws P9Exception {
        Names.check(name);
        if (!exclusive) {
            return openExisting(dir, name, flags);
        }
        Inodes.statAt(dir, name); // not following a symlink: O_EXCL refuses a dangling one too
        throw new P9Exception(Errno.EEXIST, name + " exists");
    }

    private Created openExisting(Node dir, String name, int flags) throws P9Exception {
        Node node = share.lookup(dir, name);
        try {
            if (node.isDirectory()) {
                // open(2) with O_CREAT of an existing directory is EISDIR, whatever the access mode: a create
                // never yields an open directory.
                throw new P9Exception(Errno.EISDIR, "create over an existing directory: " + name);
            }
            return new Created(node, open(node, flags), false, null);
        } catch (P9Exception | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /** Reads into {@code dst} (a direct buffer: pread writes straight into it) from its position to its limit. */
    public int read(OpenFile file, long offset, ByteBuffer dst) throws P9Exception {
        requireRegular(file);
        MemorySegment target = MemorySegment.ofBuffer(dst);
        return file.use(fd -> (int) LinuxSyscalls.pread(fd, target, offset));
    }

    /**
     * Writes {@code src} from its position to its limit; heap buffers are staged in native memory. The bytes go in without CAP_FSETID ({@link HostCredentials#withoutCapFsetid}), so a
     * set-id bit on the host inode is gone before they land. No bytes: Linux's write clears nothing then, nor here.
     */
    public int write(OpenFile file, long offset, ByteBuffer src) throws P9Exception {
        requireRegular(file);
        if (src.isDirect()) {
            return pwrite(file, MemorySegment.ofBuffer(src), offset);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Math.max(1, src.remaining())).asSlice(0, src.remaining());
            data.copyFrom(MemorySegment.ofBuffer(src));
            return pwrite(file, data, offset);
        }
    }

    private static int pwrite(OpenFile file, MemorySegment data, long offset) throws P9Exception {
        if (data.byteSize() == 0) {
            return file.use(fd -> (int) LinuxSyscalls.pwrite(fd, data, offset));
        }
        return changingData(() -> file.use(fd -> (int) LinuxSyscalls.pwrite(fd, data, offset)));
    }

    /**
     * Runs {@code change}, a system call that changes a regular file's data (a pwrite, a truncate, an open with
     * O_TRUNC), without CAP_FSETID ({@link HostCredentials#withoutCapFsetid}): the kernel then clears the file's
     * set-uid (and set-gid with group-execute) bits in the call itself, as for any writer or truncater without it, so
     * a bit the host set after the gateway looked ({@code SetIdBits}) does not outlive the guest's change.
     */
    static <T> T changingData(HostCredentials.Call<T> change) throws P9Exception {
        return HostCredentials.withoutCapFsetid(() -> {
            Runnable[] hooks = whileWriting;
            if (hooks != null) {
                hooks[0].run();
            }
            T result = change.run();
            if (hooks != null) {
                hooks[1].run();
            }
            return result;
        });
    }

    public void fsync(OpenFile file, boolean dataOnly) throws P9Exception {
        file.use(fd -> {
            LinuxSyscalls.fsync(fd, dataOnly);
            return null;
        });
    }

    private static void requireRegular(OpenFile file) throws P9Exception {
        if (file.type() != FileType.REGULAR) {
            throw new P9Exception(Errno.EISDIR, "read/write on a directory");
        }
    }
}

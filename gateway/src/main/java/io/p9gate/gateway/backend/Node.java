package io.p9gate.gateway.backend;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.P9Exception;

/**
 * A handle on one inode inside a share: an O_PATH|O_NOFOLLOW descriptor, never a path (or, for a file the gateway
 * has just created, the descriptor the create opened it with: {@link #openedAs}). It keeps
 * naming the same inode when the guest or the host renames it (R-PROTO-5). Fids that are clones
 * of one another share a Node; each holder owns one reference and gives it back with {@link #close}.
 */
public final class Node implements AutoCloseable {
    private final Fd fd;
    private final FileType type;
    private final FileKey key;
    /** Its share-relative path and the {@link RenameEpoch} of its share under which it was true; null until learned. */
    private volatile KnownPath known;
    /**
     * The epoch under which a descent to learn its path found no room for the watches it needs ({@link
     * SharePaths#learnKernelPath}): not tried again until the counter advances (a start over frees room).
     */
    private volatile long unwatchableAt = Long.MIN_VALUE;
    /**
     * Set when the last reference is given back: a request may still hold the node after a clunk or the session's
     * end released it (it read the node from its fid before), and a path it learns then would be charged with no
     * close left to give it back.
     */
    private boolean closed;

    /** A remembered path and the VM allowance its bytes are charged to. */
    private record KnownPath(String path, long epoch, Allowance chargedTo, long bytes) {}

    Node(Fd fd, FileType type, FileKey key) {
        this.fd = fd;
        this.type = type;
        this.key = key;
        // A regular file's descriptor is asked which name it holds before the file changes quota scopes.
        Fd held = type == FileType.REGULAR ? fd : null;
        OpenInodes.opened(key, held);
        fd.beforeClose(() -> {
            forgetForGood();
            OpenInodes.closed(key, held);
        });
    }

    public FileType type() {
        return type;
    }

    public FileKey key() {
        return key;
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    /** Another reference to the same handle, for a cloned fid. */
    public Node share() throws P9Exception {
        fd.retain();
        return this;
    }

    /**
     * The regular file this handle's descriptor was opened as by Tlcreate, sharing that descriptor: the create's
     * open gives both, so the handle needs no reopen through /proc and the clunk closes one descriptor, not two
     * (issue 11). The handle is still used only through *at calls and /proc, never to read or write.
     */
    OpenFile openedAs(int flags) throws P9Exception {
        fd.retain();
        return new OpenFile(fd, type, key, flags);
    }

    /**
     * The path last learned, whatever renames came since, or null: only a guess of each name to look up first when
     * the kernel must be asked by climbing ({@link ShareRoot#currentPath}), never an answer.
     */
    String lastLearnedPath() {
        KnownPath k = known;
        return k == null ? null : k.path();
    }

    /** The path learned under {@code epoch}, or null if none was (or it was learned before a rename). */
    String pathAt(long epoch) {
        KnownPath k = known;
        return k != null && k.epoch() == epoch ? k.path() : null;
    }

    /** Whether a descent to learn its path under {@code epoch} failed already. */
    boolean unwatchableAt(long epoch) {
        return unwatchableAt == epoch;
    }

    void unwatchable(long epoch) {
        unwatchableAt = epoch;
    }

    /**
     * Remembers {@code path}, charged to the VM whose request learned it ({@link VmBudget#rememberedPaths}): a
     * guest's path may be megabytes deep, and fids holding such paths by the thousand ran the heap out for every
     * VM (adversarial.DeepPathFidMemoryAttackTest). Past the VM's allowance nothing is remembered and the path
     * is asked of the kernel at each request, as after a rename. A closed handle learns nothing: its charge would
     * never be given back.
     */
    synchronized void learnPath(String path, long epoch) {
        forgetPath();
        if (closed) {
            return;
        }
        Allowance allowance = VmBudget.current().rememberedPaths();
        long bytes = 2L * path.length(); // a String's characters, at worst two bytes each
        if (allowance.tryAcquire(bytes)) {
            known = new KnownPath(path, epoch, allowance, bytes);
        }
    }

    /** The last reference is gone: what is remembered is given back, and nothing is remembered again. */
    private synchronized void forgetForGood() {
        closed = true;
        forgetPath();
    }

    private synchronized void forgetPath() {
        KnownPath k = known;
        known = null;
        if (k != null) {
            k.chargedTo().release(k.bytes());
        }
    }

    <T> T use(Fd.FdCall<T> call) throws P9Exception {
        return fd.use(call);
    }

    @Override
    public void close() {
        fd.release();
    }
}

package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileKey;
import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.LocalShare;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.function.LongUnaryOperator;

/**
 * Keeps a VM's quota usage in step with what its requests do to the host (R-POL-6), counting as the
 * start-up scan does: a regular file its size, every entry one inode, a file with several hard links
 * once. Size changes reserve first and commit what the host really grew by, under a per-file lock,
 * so concurrent writers to one file neither pass a limit together nor count the same growth twice.
 * Like XFS project quotas, a hard link or a directory rename between different quota scopes is
 * EXDEV (tools then copy); a file rename moves its usage between the scopes.
 */
final class QuotaAccounting {
    private static final int STRIPES = 256;
    private static final Object[] FILE_LOCKS = new Object[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            FILE_LOCKS[i] = new Object();
        }
    }

    @FunctionalInterface
    interface Call<T> {
        T run() throws P9Exception;
    }

    private final Quotas quotas;

    QuotaAccounting(Quotas quotas) {
        this.quotas = quotas;
    }

    /**
     * A call that may change a regular file's size (write, truncate, open with O_TRUNC).
     *
     * @param growthFromSize the most the file can grow by, given its size before the call
     */
    <T> T resizing(String share, Call<String> pathOf, Node node, LongUnaryOperator growthFromSize, Call<T> call)
            throws P9Exception {
        if (quotas.isEmpty() || node.type() != FileType.REGULAR) {
            return call.run();
        }
        String path = pathOf.run();
        if (!quotas.covers(share, path)) {
            return call.run();
        }
        synchronized (lockOf(node.key())) {
            long before = Inodes.stat(node).size();
            long ask = Math.max(0, growthFromSize.applyAsLong(before));
            Quotas.Held held = quotas.reserve(share, path, ask, 0);
            T result;
            try {
                result = call.run();
            } catch (P9Exception | RuntimeException e) {
                held.release();
                throw e;
            }
            long grown = sizeNow(node, before + ask) - before;
            if (grown < 0) {
                held.release();
                quotas.free(share, path, -grown, 0);
            } else if (grown <= ask) {
                held.commit(grown, 0);
            } else {
                held.commit(ask, 0);
                quotas.charge(share, path, grown - ask);
            }
            return result;
        }
    }

    /** A new entry (file, directory, symlink, node): one inode. */
    <T> T creating(String share, Call<String> pathOf, Call<T> call) throws P9Exception {
        if (quotas.isEmpty()) {
            return call.run();
        }
        Quotas.Held held = quotas.reserve(share, pathOf.run(), 0, 1);
        try {
            T result = call.run();
            held.commit(0, 1);
            return result;
        } catch (P9Exception | RuntimeException e) {
            held.release();
            throw e;
        }
    }

    /** Removing the entry at a path whose inode {@code victimOf} gives (null if it cannot be seen). */
    void removing(String share, Call<String> pathOf, Call<FileStat> victimOf, Call<Void> call) throws P9Exception {
        if (quotas.isEmpty()) {
            call.run();
            return;
        }
        String path = pathOf.run();
        FileStat victim = victimOf.run();
        call.run();
        if (victim != null) {
            quotas.free(share, path, bytes(victim), inodes(victim));
        }
    }

    /** A hard link: no new usage inside one scope, refused between scopes. */
    void linking(String share, Call<String> target, Call<String> newPath, Call<Void> call) throws P9Exception {
        if (!quotas.isEmpty() && !quotas.sameScopes(share, target.run(), newPath.run())) {
            throw new P9Exception(Errno.EXDEV, "hard link between quota scopes");
        }
        call.run();
    }

    /** A rename of {@code movedOf} from one path to another, replacing {@code replacedOf} (null if none). */
    void moving(String share, Call<String> fromOf, Call<String> toOf, Call<FileStat> movedOf,
                Call<FileStat> replacedOf, Call<Void> call) throws P9Exception {
        if (quotas.isEmpty()) {
            call.run();
            return;
        }
        String from = fromOf.run();
        String to = toOf.run();
        FileStat moved = movedOf.run();
        if (moved == null) {
            call.run(); // nothing there to account: the backend gives the guest its error
            return;
        }
        FileStat replaced = replacedOf.run();
        boolean same = quotas.sameScopes(share, from, to);
        if (!same && moved.type() == FileType.DIRECTORY) {
            throw new P9Exception(Errno.EXDEV, "directory rename between quota scopes");
        }
        Quotas.Held held = same ? Quotas.Held.NOTHING : quotas.move(share, from, to, bytes(moved), inodes(moved));
        try {
            call.run();
        } catch (P9Exception | RuntimeException e) {
            held.release();
            throw e;
        }
        held.commit(bytes(moved), inodes(moved));
        if (replaced != null && replaced.key().equals(moved.key())) {
            return; // rename onto another link of the same file: Linux does nothing
        }
        if (replaced != null) {
            quotas.free(share, to, bytes(replaced), inodes(replaced));
        }
    }

    /** The stat of {@code dir/name}, or null if there is no such entry; used only for accounting. */
    static FileStat statOf(LocalShare share, Node dir, String name) {
        try (Node child = share.root().lookup(dir, name)) {
            return Inodes.stat(child);
        } catch (P9Exception e) {
            return null;
        }
    }

    private static long bytes(FileStat s) {
        return s.type() == FileType.REGULAR && s.nlink() <= 1 ? s.size() : 0;
    }

    private static long inodes(FileStat s) {
        return s.type() == FileType.REGULAR && s.nlink() > 1 ? 0 : 1;
    }

    private static long sizeNow(Node node, long assumed) {
        try {
            return Inodes.stat(node).size();
        } catch (P9Exception e) {
            return assumed; // the call happened; count what it may have used
        }
    }

    private static Object lockOf(FileKey key) {
        return FILE_LOCKS[Math.floorMod(key.hashCode(), STRIPES)];
    }
}

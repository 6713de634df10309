package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_CLOEXEC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_DIRECTORY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_PATH;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_RDONLY;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A handle's path in one share as the kernel reports it now, never as remembered: through /proc/self/fd against the
 * root's own path, by climbing where /proc cannot report it, and past the kernel's " (deleted)" mark.
 */
final class KernelPaths {
    private static final String DELETED_SUFFIX = LostNames.DELETED_SUFFIX;
    private static final int DIRENT_BUFFER = 32 * 1024;
    /** Directory entries read to find a directory's name while climbing beyond PATH_MAX (for tests). */
    private static final LongAdder CLIMB_ENTRIES_READ = new LongAdder();

    private final ShareRoot share;
    /** Where files were last linked through this share: a removed name's file may be found there. */
    private final LinkedNames linked;
    /**
     * The root's host path + "/", as the kernel last reported it, and the value of the share's renames read before:
     * the host may have renamed the share's directory since, and a directory then made at its old path (by a VM whose
     * share holds it) must not pass for the share's when a rename moves a handle there ({@link #rootPrefix()}).
     */
    private volatile RootPrefix rootPrefix;

    private record RootPrefix(String prefix, long epoch) {}
    /** Times a handle's path was asked of the kernel: what a rename costs the handles that must forget. */
    private final LongAdder kernelLookups = new LongAdder();

    /** Reads the root's path at once: {@code share} is still being made, its root and renames are. */
    KernelPaths(ShareRoot share, Node root, RenameEpoch renames, LinkedNames linked) throws P9Exception {
        this.share = share;
        this.linked = linked;
        refreshRootPrefix(root, renames);
    }

    /** {@link ShareRoot#currentPath(Node)}'s kernel answer; {@code guess} names each directory to climb by first. */
    String kernelRelativePath(Node node, String guess) throws P9Exception {
        kernelLookups.increment();
        String path;
        try {
            path = node.use(KernelPaths::kernelPath);
        } catch (P9Exception e) {
            if (e.errno() != Errno.ENAMETOOLONG || !node.isDirectory()) {
                throw e;
            }
            return climbedPath(node, guess);
        }
        String prefix = rootPrefix();
        if (!path.startsWith(prefix)) {
            // The cached prefix may be stale if the administrator renamed the share directory itself.
            prefix = refreshRootPrefix();
            if (!path.startsWith(prefix)) {
                throw new P9Exception(Errno.EACCES, "handle is outside the share");
            }
        }
        String relative = path.substring(prefix.length());
        if (!relative.endsWith(DELETED_SUFFIX) || names(relative, node)) {
            return relative;
        }
        String removed = relative.substring(0, relative.length() - DELETED_SUFFIX.length());
        if (Inodes.stat(node).nlink() > 0) {
            String linkedAt = linked.lastOf(node.key());
            if (linkedAt != null && names(linkedAt, node)) {
                return linkedAt; // a name the file has now, found by a confined lookup: decided where it is
            }
            throw new RemovedName(removed);
        }
        return removed;
    }

    /**
     * Whether the entry at {@code path} is {@code node}. The kernel ends an unlinked file's path with " (deleted)",
     * and a guest may end a name with it too: cut as the kernel's mark whatever the name, it had a file
     * {@code notes.txt (deleted)} decided and recorded as {@code notes.txt} (adversarial.DeletedSuffixNameAttackTest).
     * Only a path ending so asks: one confined lookup. Only another entry or none there (ENOENT, ENOTDIR, ELOOP: a
     * name or a symlink on the way; ENAMETOOLONG: the name with the mark is longer than any entry's can be, so an
     * unlinked file named with 246 bytes or more was refused every request, adversarial.LongUnlinkedNameAttackTest)
     * says no; a lookup that cannot look (a VM at its descriptor budget) fails the request rather than cut the name's
     * suffix.
     */
    private boolean names(String path, Node node) throws P9Exception {
        try (ShareRoot.Location _ = share.locateAt(node, path)) {
            return true;
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENOENT
                    || e.errno() == Errno.ENOTDIR
                    || e.errno() == Errno.ELOOP
                    || e.errno() == Errno.ENAMETOOLONG) {
                return false;
            }
            throw e;
        }
    }

    /**
     * A directory's path by climbing: each step opens ".." and finds the entry that is the directory below. Where
     * {@code guess} (the path the request expects, or the handle last learned; may be null) names it at the same
     * distance from the directory, that name is looked up first: reading every entry of every ancestor made each
     * request on such a directory cost the ancestors' sizes, which a guest grows once and the gateway paid at every
     * walk (ClimbSiblingsAttackTest).
     */
    private String climbedPath(Node dir, String guess) throws P9Exception {
        String[] guessed = guess == null || guess.isEmpty() ? new String[0] : guess.split("/", -1);
        Deque<String> names = new ArrayDeque<>();
        Node cursor = dir.share();
        try {
            for (int depth = 0; depth < Climb.MAX_DEPTH; depth++) {
                if (share.isRoot(cursor)) {
                    return String.join("/", names);
                }
                Node up = Climb.up(cursor);
                try {
                    if (up.key().equals(cursor.key())) {
                        throw new P9Exception(Errno.EACCES, "handle is outside the share");
                    }
                    int back = guessed.length - 1 - depth;
                    names.addFirst(nameIn(up, cursor.key(), back >= 0 ? guessed[back] : null));
                } catch (P9Exception | RuntimeException e) {
                    up.close();
                    throw e;
                }
                cursor.close();
                cursor = up;
            }
            throw new P9Exception(Errno.ENAMETOOLONG, "deeper than " + Climb.MAX_DEPTH + " levels");
        } finally {
            cursor.close();
        }
    }

    /**
     * The name under which directory {@code parent} holds the directory {@code child}: {@code guess} if the entry
     * of that name is it (one statx), else found by reading the entries (getdents, then statx).
     */
    private static String nameIn(Node parent, FileKey child, String guess) throws P9Exception {
        if (guess != null && !guess.isEmpty() && !guess.equals(".") && !guess.equals("..") && guess.indexOf('/') < 0) {
            try {
                if (Inodes.statAt(parent, guess).key().equals(child)) {
                    return guess;
                }
            } catch (P9Exception e) {
                // Not there (moved, removed): read the entries.
            }
        }
        Fd listing =
                Fd.open(() -> parent.use(fd -> LinuxSyscalls.openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(DIRENT_BUFFER);
            while (true) {
                long n = listing.use(fd -> LinuxSyscalls.getdents64(fd, buf));
                if (n == 0) {
                    throw new P9Exception(Errno.ENOENT, "no entry of its parent names the directory");
                }
                for (long pos = 0;
                        pos < n;
                        pos += Short.toUnsignedInt(
                                buf.get(ValueLayout.JAVA_SHORT, pos + StructLayouts.Dirent.RECLEN))) {
                    CLIMB_ENTRIES_READ.increment();
                    String name = buf.getString(pos + StructLayouts.Dirent.NAME, StandardCharsets.UTF_8);
                    if (buf.get(ValueLayout.JAVA_LONG, pos + StructLayouts.Dirent.INO) == child.ino()
                            && !name.equals(".")
                            && !name.equals("..")
                            && Inodes.statAt(parent, name).key().equals(child)) {
                        return name;
                    }
                }
            }
        } finally {
            listing.release();
        }
    }

    /**
     * The root's path + "/" as the kernel reported it under the current value of the share's renames, read again
     * once that moved: read after the handle's path, so a rename that moved the handle since the prefix was read is
     * seen. A rename through any share that may move a path of this one advances the counter (OpenShares); without
     * that, a prefix cached before the host renamed the share's directory kept naming the old path, and a directory a
     * VM then made there and moved a handle of this share into passed for this share's own
     * (adversarial.MovedShareRootAttackTest). One readlink per rename, none per request.
     */
    private String rootPrefix() throws P9Exception {
        RootPrefix known = rootPrefix;
        return known.epoch() == share.renames().now() ? known.prefix() : refreshRootPrefix();
    }

    private String refreshRootPrefix() throws P9Exception {
        return refreshRootPrefix(share.rootNode(), share.renames());
    }

    private String refreshRootPrefix(Node root, RenameEpoch renames) throws P9Exception {
        long epoch = renames.now();
        String rootPath = root.use(KernelPaths::kernelPath);
        String prefix = rootPath.equals("/") ? "/" : rootPath + "/";
        rootPrefix = new RootPrefix(prefix, epoch);
        return prefix;
    }

    static String kernelPath(int fd) throws P9Exception {
        return LinuxSyscalls.readlinkat(AT_FDCWD, LinuxSyscalls.procPath(fd));
    }

    /** {@link ShareRoot#keysAlong}. */
    List<FileKey> keysAlong(String path) throws P9Exception {
        kernelLookups.increment();
        Node root = share.rootNode();
        List<FileKey> keys = new ArrayList<>();
        keys.add(root.key());
        if (path.isEmpty()) {
            return keys;
        }
        Node dir = root.share();
        try {
            for (String name : path.split("/", -1)) {
                Node from = dir;
                Node next;
                try {
                    next = KernelFilesystems.refuseCrossingInto(
                            from,
                            ConfinedOpens.nodeOf(
                                    Fd.open(() -> from.use(fd -> ConfinedOpens.openBeneath(fd, name, O_PATH, 0)))));
                } catch (P9Exception e) {
                    break;
                }
                dir.close();
                dir = next;
                keys.add(dir.key());
            }
        } finally {
            dir.close();
        }
        return keys;
    }

    /** Directory entries read so far, by every share, to name directories while climbing beyond PATH_MAX. */
    static long climbEntriesRead() {
        return CLIMB_ENTRIES_READ.sum();
    }

    /** For tests: how many times a handle's path was asked of the kernel. */
    long kernelLookups() {
        return kernelLookups.sum();
    }
}

package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_FDCWD;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_CLOEXEC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_DIRECTORY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_NOFOLLOW;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_PATH;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.protect.ShareReach;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Opens share directories by their paths, following the administrator's symlinks but none that lies inside a share's
 * directory (R-CONF-1). Shares may nest, and a guest can make a symlink wherever its share is writable: where another
 * share's directory is to be (a VM added later), on the way to it, or where an admin's symlink leads. The kernel
 * would follow it at the next start and serve its target. So each path is resolved here one name at a time, never
 * letting the kernel follow anything; a symlink met is followed only if the directory holding it lies beneath no
 * share's directory (one climb by ".." per symlink; none for a path without symlinks).
 */
public final class AdminSymlinksOnly implements AutoCloseable {
    /** Each share's directory as the kernel resolves its path now, by key: where guests may have made symlinks. */
    private final Map<FileKey, Path> shares = new HashMap<>();
    /** The same directories by path, to check a resolution found what the path names. */
    private final Map<Path, FileKey> keys = new HashMap<>();
    /** Held open while resolving, so no inode number of theirs is reused meanwhile. */
    private final List<Node> held = new ArrayList<>();

    private AdminSymlinksOnly() {}

    /** Opens every directory (following symlinks) to know where they are; one that cannot be opened is skipped. */
    public static AdminSymlinksOnly of(Collection<Path> directories) {
        AdminSymlinksOnly known = new AdminSymlinksOnly();
        for (Path directory : directories) {
            try {
                Node node = open(AT_FDCWD, directory.toAbsolutePath().toString(), O_DIRECTORY);
                known.held.add(node);
                known.shares.putIfAbsent(node.key(), directory);
                known.keys.put(directory, node.key());
            } catch (P9Exception e) {
                // Reported when that share is opened.
            }
        }
        return known;
    }

    /** A symlink on a share's path lies inside a share's directory: whose guests may have made it. */
    public static final class SymlinkInShare extends P9Exception {
        private static final long serialVersionUID = 1L;
        private final transient Path share;
        private final String symlink;

        SymlinkInShare(Path share, String symlink) {
            super(Errno.ELOOP, symlink + " is a symlink inside share directory " + share);
            this.share = share;
            this.symlink = symlink;
        }

        /** The directory, as given to {@link #of}, of the nearest share above the symlink. */
        public Path share() {
            return share;
        }

        /** Where the symlink is, symlinks before it resolved. */
        public String symlink() {
            return symlink;
        }
    }

    /**
     * Opens {@code directory} (O_PATH) following only symlinks outside every share's directory.
     *
     * @throws SymlinkInShare for a symlink inside one
     * @throws P9Exception ENOTDIR if it is not a directory, ESTALE if it is not what its path named at {@link #of}
     */
    Node open(Path directory) throws P9Exception {
        Deque<String> pending =
                new ArrayDeque<>(names(directory.toAbsolutePath().toString()));
        Deque<String> resolved = new ArrayDeque<>();
        Node cursor = open(AT_FDCWD, "/", O_DIRECTORY);
        try {
            int symlinks = 0;
            while (!pending.isEmpty()) {
                String name = pending.removeFirst();
                Node current = cursor;
                Node next = open(current, name);
                if (next.type() != FileType.SYMLINK) {
                    cursor.close();
                    cursor = next;
                    if (name.equals("..")) {
                        resolved.pollLast();
                    } else if (!name.equals(".")) {
                        resolved.addLast(name);
                    }
                    continue;
                }
                try {
                    String at = "/" + String.join("/", resolved) + (resolved.isEmpty() ? "" : "/") + name;
                    Optional<FileKey> share = Climb.firstUp(current, shares::containsKey);
                    if (share.isPresent()) {
                        throw new SymlinkInShare(shares.get(share.get()), at);
                    }
                    if (++symlinks > ShareReach.MAX_SYMLINKS) {
                        throw new P9Exception(
                                Errno.ELOOP, "more than " + ShareReach.MAX_SYMLINKS + " symlinks in " + directory);
                    }
                    String target = next.use(fd -> LinuxSyscalls.readlinkat(fd, ""));
                    if (target.isEmpty()) {
                        throw new P9Exception(Errno.ENOENT, at + " is an empty symlink"); // as the kernel answers
                    }
                    names(target).reversed().forEach(pending::addFirst);
                    if (target.startsWith("/")) {
                        cursor.close();
                        cursor = open(AT_FDCWD, "/", O_DIRECTORY);
                        resolved.clear();
                    }
                } finally {
                    next.close();
                }
            }
            if (!cursor.isDirectory()) {
                throw new P9Exception(Errno.ENOTDIR, directory + " is not a directory");
            }
            FileKey named = keys.get(directory);
            if (named != null && !named.equals(cursor.key())) {
                throw new P9Exception(Errno.ESTALE, directory + " changed while it was opened");
            }
            return cursor;
        } catch (P9Exception | RuntimeException e) {
            cursor.close();
            throw e;
        }
    }

    private static List<String> names(String path) {
        return List.of(path.split("/")).stream().filter(n -> !n.isEmpty()).toList();
    }

    /** One name in {@code dir}, itself if it is a symlink. */
    private static Node open(Node dir, String name) throws P9Exception {
        return ConfinedOpens.openNamed(
                        () -> dir.use(fd -> LinuxSyscalls.openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0)))
                .node();
    }

    private static Node open(int dirfd, String path, int flags) throws P9Exception {
        return ConfinedOpens.openNamed(() -> LinuxSyscalls.openat(dirfd, path, O_PATH | O_CLOEXEC | flags, 0))
                .node();
    }

    @Override
    public void close() {
        held.forEach(Node::close);
        held.clear();
    }
}

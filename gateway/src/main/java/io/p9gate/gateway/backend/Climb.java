package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.O_CLOEXEC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_NOFOLLOW;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_PATH;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** Climbing by ".." from a handle, one directory at a time, never following anything on the way. */
final class Climb {
    /** How a ".." is opened: the directory above, as a handle only, never through a symlink. */
    private static final int PATH_FLAGS = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    /** Deeper than any real tree; bounds the walk-up that checks a ".." result. */
    static final int MAX_DEPTH = 4096;

    private Climb() {}

    /** The directory above {@code dir}, opened by ".." with {@link #PATH_FLAGS}: a new handle, the caller's to close. */
    static Node up(Node dir) throws P9Exception {
        return ConfinedOpens.nodeOf(Fd.open(() -> dir.use(fd -> LinuxSyscalls.openat(fd, "..", PATH_FLAGS, 0))));
    }

    /**
     * Adds {@code node} and every directory above it, up to the filesystem's top, to {@code into}; false if that
     * could not be done (a lookup failed, or deeper than any real tree), so the caller must assume the worst.
     */
    static boolean ancestors(Node node, Set<FileKey> into) {
        try {
            return climb(node, key -> {
                        into.add(key);
                        return false;
                    })
                    == Climbed.TOP;
        } catch (P9Exception e) {
            return false;
        }
    }

    /** The first directory from {@code node} up (itself first) that {@code wanted} accepts; empty at the top. */
    static Optional<FileKey> firstUp(Node node, Predicate<FileKey> wanted) throws P9Exception {
        FileKey[] found = new FileKey[1];
        Climbed climbed = climb(node, key -> {
            found[0] = key;
            return wanted.test(key);
        });
        return switch (climbed) {
            case FOUND -> Optional.of(found[0]);
            case TOP -> Optional.empty();
            case TOO_DEEP -> throw new P9Exception(Errno.ELOOP, "deeper than " + MAX_DEPTH + " levels");
        };
    }

    enum Climbed {
        FOUND,
        TOP,
        TOO_DEEP
    }

    /** Climbs by ".." from {@code node} (itself first) until {@code found} says so or the filesystem's top. */
    static Climbed climb(Node node, Predicate<FileKey> found) throws P9Exception {
        return climbing(node, dir -> found.test(dir.key()));
    }

    /** As {@link #climb}, handing {@code found} each directory's handle. */
    static Climbed climbing(Node node, Predicate<Node> found) throws P9Exception {
        Node cursor = node.share();
        try {
            for (int depth = 0; depth < MAX_DEPTH; depth++) {
                if (found.test(cursor)) {
                    return Climbed.FOUND;
                }
                Node up = up(cursor);
                boolean top = up.key().equals(cursor.key());
                cursor.close();
                cursor = up;
                if (top) {
                    return Climbed.TOP;
                }
            }
            return Climbed.TOO_DEEP;
        } finally {
            cursor.close();
        }
    }
}

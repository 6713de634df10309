package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_EMPTY_PATH;
import static io.p9gate.gateway.backend.LinuxSyscalls.AT_SYMLINK_NOFOLLOW;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_CLOEXEC;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_NOFOLLOW;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.function.Consumer;

/**
 * Opening one name beneath a directory so that no symlink or magic link is followed, and examining what was opened
 * (its type and key) before it becomes a {@link Node}.
 */
final class ConfinedOpens {
    private static final long RESOLVE =
            LinuxSyscalls.RESOLVE_BENEATH | LinuxSyscalls.RESOLVE_NO_SYMLINKS | LinuxSyscalls.RESOLVE_NO_MAGICLINKS;

    private static volatile boolean openat2Missing;

    private ConfinedOpens() {}

    /**
     * Opens one name beneath {@code dirfd} without following any symlink or magic link; on kernels
     * before 5.6 (no openat2) the single checked name with O_NOFOLLOW gives the same guarantee.
     */
    static int openBeneath(int dirfd, String name, int flags, int mode) throws P9Exception {
        if (!openat2Missing) {
            try {
                return LinuxSyscalls.openat2(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode, RESOLVE);
            } catch (P9Exception e) {
                if (e.errno() != Errno.ENOSYS) {
                    throw e;
                }
                openat2Missing = true;
            }
        }
        return LinuxSyscalls.openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    }

    /** Wraps a fresh O_PATH descriptor; closes it if it cannot be examined. */
    static Node nodeOf(Fd handle) throws P9Exception {
        return examine(handle).node();
    }

    /**
     * Opens an entry by its name and examines it, as an open under way for {@link OpenInodes} from before the
     * open until its Node is known there: an unlink in between must not take the file for closed.
     */
    static Examined openNamed(Fd.Opening opening) throws P9Exception {
        return openNamed(opening, lost -> {});
    }

    /**
     * As {@link #openNamed(Fd.Opening)}; a handle refused for holding a lost name is given to {@code whenLost} before
     * it is closed: a create that made the file finishes it, since the file lives on under another name.
     */
    static Examined openNamed(Fd.Opening opening, Consumer<Examined> whenLost) throws P9Exception {
        long ticket = OpenInodes.opening();
        long lostNameChecks = OpenInodes.lostNameChecks();
        Examined examined = null;
        try {
            examined = examine(Fd.open(opening));
        } finally {
            openDone(ticket, examined);
        }
        // A rename between quota scopes looked for handles holding a removed name while this one was not known yet:
        // if it holds one, it must not exist, or its writes would count where that name was (OpenInodes).
        if (OpenInodes.lostNameChecks() != lostNameChecks && lostName(examined, whenLost)) {
            throw new P9Exception(Errno.ENOENT, "the name was removed while it was being opened");
        }
        return examined;
    }

    /** Ends the open of {@code ticket}; its handle, if made, is closed if that fails (it runs waiting actions). */
    private static void openDone(long ticket, Examined examined) {
        try {
            OpenInodes.openDone(ticket);
        } catch (RuntimeException e) {
            if (examined != null) {
                examined.node().close();
            }
            throw e;
        }
    }

    /**
     * Whether the handle holds a lost name; if it does, it is given to {@code whenLost} and closed; if the look fails,
     * it is closed.
     */
    private static boolean lostName(Examined examined, Consumer<Examined> whenLost) throws P9Exception {
        boolean lost;
        try {
            lost = LostNames.lost(examined.node(), examined.stat());
            if (lost) {
                whenLost.accept(examined);
            }
        } catch (P9Exception | RuntimeException e) {
            examined.node().close();
            throw e;
        }
        if (lost) {
            examined.node().close();
        }
        return lost;
    }

    /** As {@link #nodeOf}, keeping the stat. */
    static Examined examine(Fd handle) throws P9Exception {
        try {
            FileStat stat = handle.use(fd -> LinuxSyscalls.statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
            FileType type = stat.type();
            if (type == null) {
                throw new P9Exception(Errno.EIO, "unknown file type " + Integer.toOctalString(stat.mode()));
            }
            return new Examined(new Node(handle, type, stat.key()), stat);
        } catch (P9Exception | RuntimeException e) {
            handle.release();
            throw e;
        }
    }
}

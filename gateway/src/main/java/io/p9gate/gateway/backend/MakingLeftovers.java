package io.p9gate.gateway.backend;

import static io.p9gate.gateway.backend.LinuxSyscalls.AT_REMOVEDIR;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_DIRECTORY;
import static io.p9gate.gateway.backend.LinuxSyscalls.O_RDONLY;

import io.p9gate.audit.read.PrintableText;
import io.p9gate.gateway.backend.StructLayouts.Dirent;
import io.p9gate.gateway.proto.P9Exception;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a gateway stopped while making entries left in a share ({@link Names#MAKING_PREFIX}: killed, or the host
 * crashed, between the make and the rename or link into place, or a made entry's reserved name that could not be
 * unlinked), swept when the share opens, before any guest is served. No guest sees, walks to or removes such a name,
 * yet a leftover kept its directory from being removed (ENOTEMPTY for a directory the guest lists as empty) and its
 * file a second name. Removed is only what holds nothing of a guest's: an empty directory, a second name of a file
 * that keeps another, a symlink, fifo, socket or empty file made and never placed. Kept, and named in the one log line
 * for the operator: an entry a take-back moved aside ({@link Names#ASIDE_PREFIX}: it may be another session's, with
 * its data), a directory that holds entries, a file with data and no other name (the gateway never writes one there).
 */
final class MakingLeftovers {
    private static final System.Logger LOG = System.getLogger(MakingLeftovers.class.getName());

    /** The levels below the share's directory a sweep enters: one descriptor each (a quota scan enters as many). */
    static final int MAX_LEVELS = 1024;

    /** The kept entries the log line names, and the characters of each path it shows. */
    private static final int KEPT_SHOWN = 16;

    private static final int PATH_SHOWN = 256;

    /**
     * One listing read: the names a level holds at most (some 340 of a few bytes), as a quota scan's readdir buffer
     * per level bounds its own.
     */
    private static final int BUFFER = 8 * 1024;

    private MakingLeftovers() {}

    /** One leftover the sweep did not remove: its path in the share and why. */
    record Kept(String path, String why) {}

    /** What one sweep did, and the most subdirectory names it held at once (what its memory grows with). */
    record Swept(int removed, List<Kept> kept, int mostNamesHeld) {}

    /**
     * Sweeps the share {@code name} rooted at {@code root} (the host's {@code directory}) and logs what it did, if
     * anything: one line. A failure to read a directory leaves what is below it as it is.
     */
    static Swept sweep(String name, Node root, String directory) {
        Swept swept = sweep(root);
        if (swept.removed() > 0 || !swept.kept().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, () -> line(name, directory, swept));
        }
        return swept;
    }

    /** The log line: escaped, since the paths below the share are the guests'. */
    static String line(String name, String directory, Swept swept) {
        StringBuilder text = new StringBuilder("share '")
                .append(name)
                .append("' (")
                .append(directory)
                .append("): removed ")
                .append(swept.removed())
                .append(" entries a stopped gateway left while making them (")
                .append(Names.MAKING_PREFIX)
                .append("*)");
        if (!swept.kept().isEmpty()) {
            text.append("; kept ")
                    .append(swept.kept().size())
                    .append(" that may hold a guest's data, hidden from every guest, for the operator to move back or"
                            + " remove (docs/filesystem.md):");
            swept.kept().stream()
                    .limit(KEPT_SHOWN)
                    .forEach(k -> text.append(' ')
                            .append(shown(k.path()))
                            .append(" (")
                            .append(k.why())
                            .append(")"));
            if (swept.kept().size() > KEPT_SHOWN) {
                text.append(" and ").append(swept.kept().size() - KEPT_SHOWN).append(" more");
            }
        }
        return PrintableText.escape(text.toString());
    }

    private static String shown(String path) {
        return path.length() <= PATH_SHOWN ? path : path.substring(0, PATH_SHOWN) + "...";
    }

    /**
     * A directory being swept: its descriptor, read on one buffer at a time, its path in the share, and the
     * subdirectories of the buffer last read still to enter. Listed whole before its first subdirectory was entered,
     * a directory of millions of subdirectories had the start hold every name (MakingLeftoversWideDirectoryAttackTest).
     */
    private record Level(int fd, FileKey key, String path, Deque<String> subdirectories) {}

    /** What a sweep removed and kept so far, and the subdirectory names it holds. */
    private static final class Tally {
        int removed;
        final List<Kept> kept = new ArrayList<>();
        int held;
        int mostHeld;
    }

    static Swept sweep(Node root) {
        Tally tally = new Tally();
        Deque<Level> levels = new ArrayDeque<>();
        // The directories being swept, by identity: one reached again below itself is not entered (at most MAX_LEVELS).
        Set<FileKey> entering = new HashSet<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BUFFER);
            Level top = entered(
                    () -> root.use(fd -> ConfinedOpens.openBeneath(fd, ".", O_RDONLY | O_DIRECTORY, 0)), "", entering);
            if (top == null) {
                return new Swept(0, List.of(), 0);
            }
            levels.push(top);
            while (!levels.isEmpty()) {
                Level level = levels.peek();
                String next = level.subdirectories().poll();
                if (next == null) {
                    if (!readOn(level, buf, tally)) {
                        Level done = levels.pop();
                        entering.remove(done.key());
                        LinuxSyscalls.close(done.fd());
                    }
                    continue;
                }
                tally.held--;
                if (levels.size() >= MAX_LEVELS) {
                    continue; // as deep as a quota scan goes; a leftover deeper stays hidden
                }
                int parent = level.fd();
                Level sub = entered(
                        () -> ConfinedOpens.openBeneath(parent, next, O_RDONLY | O_DIRECTORY, 0),
                        ShareRoot.childPath(level.path(), next),
                        entering);
                if (sub != null) {
                    levels.push(sub);
                }
            }
        } finally {
            levels.forEach(l -> LinuxSyscalls.close(l.fd()));
        }
        return new Swept(tally.removed, List.copyOf(tally.kept), tally.mostHeld);
    }

    /**
     * A directory opened, none of it read yet; null if it cannot be (gone, a symlink now, closed to the gateway) or is
     * on a kernel pseudo filesystem mounted inside the share, which no lookup enters ({@link KernelFilesystems}): its
     * entries are the host kernel's (a cgroup of a reserved name was removed as a leftover,
     * MakingLeftoversAcrossMountsAttackTest). Other mounts inside the share are served, and swept as the share is.
     * One fstatfs a directory. Null too for a directory being swept already, above it: one bound inside itself was
     * walked once more below the mount, its kept leftovers named twice, and a loop a file system presents (a FUSE
     * mount of the share inside it) was walked down to {@link #MAX_LEVELS}, exponentially with two such loops
     * (MakingLeftoversAcrossMountsAttackTest). One statx a directory.
     */
    private static Level entered(Fd.Opening opening, String path, Set<FileKey> entering) {
        int fd;
        try {
            fd = opening.open();
        } catch (P9Exception e) {
            return null;
        }
        try {
            if (KernelFilesystems.named(Inodes.filesystemType(fd)).isEmpty()) {
                FileKey key = Inodes.statOf(fd).key();
                if (entering.add(key)) {
                    return new Level(fd, key, path, new ArrayDeque<>());
                }
            }
        } catch (P9Exception e) {
            // its file system or identity unknown: left as it is
        }
        LinuxSyscalls.close(fd);
        return null;
    }

    /**
     * Reads the next buffer of {@code level}'s entries: its reserved names are swept at once, its subdirectories (none
     * a leftover) queued to enter. False once the listing ended or failed: what could not be listed is not swept, its
     * leftovers stay hidden, as before.
     */
    private static boolean readOn(Level level, MemorySegment buf, Tally tally) {
        long n;
        try {
            n = LinuxSyscalls.getdents64(level.fd(), buf);
        } catch (P9Exception e) {
            return false;
        }
        for (long pos = 0; pos < n; pos += Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, pos + Dirent.RECLEN))) {
            String name = buf.getString(pos + Dirent.NAME, StandardCharsets.UTF_8);
            if (name.equals(".") || name.equals("..")) {
                continue;
            }
            if (Names.reserved(name)) {
                String why = swept(level.fd(), name);
                if (why == null) {
                    tally.removed++;
                } else {
                    tally.kept.add(new Kept(ShareRoot.childPath(level.path(), name), why));
                }
            } else if (isDirectory(
                    level.fd(), name, Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, pos + Dirent.TYPE)))) {
                level.subdirectories().add(name);
                tally.mostHeld = Math.max(tally.mostHeld, ++tally.held);
            }
        }
        return n > 0;
    }

    /** DT_DIR, or for a file system that does not fill d_type (DT_UNKNOWN) what a statx says. */
    private static boolean isDirectory(int dirfd, String name, int dtype) {
        FileType type = FileType.ofDirentType(dtype);
        if (type != null) {
            return type == FileType.DIRECTORY;
        }
        try {
            return Inodes.statAt(dirfd, name).type() == FileType.DIRECTORY;
        } catch (P9Exception e) {
            return false;
        }
    }

    /** Removes the leftover {@code name} of {@code dirfd} if it holds nothing of a guest's; else says why not. */
    private static String swept(int dirfd, String name) {
        if (name.startsWith(Names.ASIDE_PREFIX)) {
            return "moved aside by a take-back";
        }
        try {
            FileStat stat = Inodes.statAt(dirfd, name);
            if (stat.type() == FileType.DIRECTORY) {
                LinuxSyscalls.unlinkat(dirfd, name, AT_REMOVEDIR); // only an empty one
            } else if (stat.nlink() <= 1 && stat.type() == FileType.REGULAR && stat.size() > 0) {
                return "holds data";
            } else {
                LinuxSyscalls.unlinkat(dirfd, name, 0);
            }
            return null;
        } catch (P9Exception e) {
            return e.errno().description();
        }
    }
}

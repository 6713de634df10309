package io.p9gate.gateway.server;

import io.p9gate.policy.model.UnixSocketPath;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The file side of a Unix socket listener: clearing a stale socket before bind; binding in a private staging
 * directory, owner and mode there, then a link into place.
 */
final class UnixSocketFiles {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final System.Logger LOG = System.getLogger(UnixSocketFiles.class.getName());
    /** A staging directory's mode: only the gateway's user may reach the socket in it. */
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private UnixSocketFiles() {}

    /**
     * A socket left by a previous run is removed; a live one (something accepts on it) or any
     * other kind of file is refused, so that a typo never deletes a user's file.
     */
    static void prepare(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("refusing to listen on " + path + ": it exists and is not a socket");
        }
        if (isLive(path)) {
            throw new IOException("refusing to listen on " + path + ": another process is listening on it");
        }
        Files.delete(path);
    }

    private static boolean isLive(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The socket's group and mode (connect(2) needs write permission on the file, so with its owner these decide
     * which processes may connect at all; the peer check then says which of them is the VM's hypervisor), set while
     * it is still in its staging directory. Its owner comes after the link into place ({@link #giveToOwner}): with
     * {@code fs.protected_hardlinks} a gateway that is not root (only CAP_CHOWN) may not link(2) a file it no longer
     * owns. Until then the socket has its final mode and group and the gateway's own user as owner, so nobody the
     * configuration does not name can connect.
     */
    static void restrictGroupAndMode(Path path, ListenSpec.SocketAccess access) throws IOException {
        // Path-based chown/chmod: a socket cannot be opened, which the NOFOLLOW attribute setters would do. The gid is
        // set as a number: a principal looked up by its digits took a group named so first, and failed past 2^31.
        if (access.group() != ListenSpec.SocketAccess.KEEP) {
            Files.setAttribute(path, "unix:gid", access.group());
        }
        Files.getFileAttributeView(path, PosixFileAttributeView.class)
                .setPermissions(PosixFilePermissions.fromString(modeText(access.mode())));
    }

    /**
     * The socket's owner, set through its staging name (the same inode, in a directory only the gateway can
     * change, so it cannot have been swapped) once it is linked into place.
     */
    static void giveToOwner(Path staged, ListenSpec.SocketAccess access) throws IOException {
        if (access.owner() != ListenSpec.SocketAccess.KEEP) {
            Files.setAttribute(staged, "unix:uid", access.owner()); // a number, as the gid (restrictGroupAndMode)
        }
    }

    private static String modeText(int mode) {
        String rwx = "rwxrwxrwx";
        StringBuilder out = new StringBuilder();
        for (int bit = 8; bit >= 0; bit--) {
            out.append((mode & (1 << bit)) != 0 ? rwx.charAt(8 - bit) : '-');
        }
        return out.toString();
    }

    /**
     * Refuses, before anything is made, a path no socket can have: one longer than a socket's may be, which
     * bind(2) refused but link(2) takes (clients could then never connect by it), or one whose staging path beside
     * it ({@link #stage}) is, which bind(2) would refuse with a bare ENAMETOOLONG for a path the configuration never
     * named ({@link UnixSocketPath}).
     */
    static void checkLength(Path target) throws IOException {
        Optional<String> tooLong = UnixSocketPath.tooLong(target);
        if (tooLong.isPresent()) {
            throw new IOException("refusing to listen on " + target + ": " + tooLong.get());
        }
    }

    /**
     * Makes a fresh directory next to {@code target}, mode 0700, to bind the socket in ({@link #staged}): bind(2)
     * creates the socket file with the process's umask (0755 and looser), and until {@link #restrictGroupAndMode} has run on it
     * only this user (and root) may reach it; nobody else can connect to it or replace it under the chmod. Next to
     * the target so that the link into place stays on one file system, and short-named so that the socket's path
     * is at most a few bytes longer than the target's (sun_path holds 107).
     */
    static Path stage(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        for (int attempt = 0; ; attempt++) {
            Path dir = parent.resolve(UnixSocketPath.STAGING_PREFIX
                    + Long.toString(ThreadLocalRandom.current().nextLong(UnixSocketPath.STAGING_NUMBERS), 36));
            try {
                return Files.createDirectory(dir, PRIVATE_DIRECTORY); // mkdir(2): never one that exists
            } catch (NoSuchFileException e) {
                // Said with the staging name alone, a name nobody gave.
                throw new IOException(
                        "cannot listen on " + target + ": its directory " + parent + " does not exist", e);
            } catch (AccessDeniedException e) {
                throw new IOException(
                        "cannot listen on " + target + ": its directory " + parent + " is not writable", e);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /** Where the socket is bound inside the staging directory {@code dir}. */
    static Path staged(Path dir) {
        return dir.resolve(UnixSocketPath.STAGED_NAME);
    }

    /**
     * Puts the restricted socket at {@code target} with link(2), which like bind(2) never replaces what is there
     * (a file that appeared since {@link #prepare} is kept and the listener fails), and is atomic: the path holds
     * nothing, or the socket with its final owner and mode. Connections reach it there (connect(2) finds the
     * listener by the inode).
     */
    static void publish(Path staged, Path target) throws IOException {
        try {
            Files.createLink(target, staged);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("refusing to listen on " + target + ": a file appeared there meanwhile", e);
        }
    }

    /**
     * Makes sure the staging name {@code dir} holds the directory the listener made ({@code made}, its identity) before
     * the server channel is closed, which unlinks the bound path {@code dir/s} by name. The directory stays, empty,
     * while the listener is bound: a cleaner of a shared directory (systemd-tmpfiles removes empty directories of
     * /tmp not touched for days) may remove it, and another user may then put a symbolic link to a directory of
     * theirs at its name. Whatever is there that is not it is removed (in a sticky directory only root may) and the
     * directory is made again. The identity of the directory now there; null, said loudly, if it could not be made.
     */
    static Object reclaim(Path dir, Object made) {
        try {
            Object now = fileKey(dir);
            if (now != null && now.equals(made)) {
                return made;
            }
            if (now != null) {
                Files.delete(dir); // a symbolic link itself, not what it leads to
            }
            return fileKey(Files.createDirectory(dir, PRIVATE_DIRECTORY));
        } catch (IOException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    () -> "the listener's staging directory " + dir + " was replaced by another user's file, which"
                            + " cannot be removed: closing the listener unlinks " + staged(dir) + " through it ("
                            + e.getMessage() + ")");
            return null;
        }
    }

    /**
     * Removes the staging directory {@code dir} and whatever is in it (the socket's staging name), if it is still the
     * directory {@code made} (its identity): nothing through a name that is no longer the listener's. Best effort.
     */
    static void unstage(Path dir, Object made) {
        try {
            if (made == null || !made.equals(fileKey(dir))) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        removeQuietly(staged(dir));
        removeQuietly(dir);
    }

    /** The identity (device and inode) of what is at {@code path}, not following a link; null when nothing is. */
    static Object fileKey(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static void removeQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Best effort at shutdown: the next start clears a stale socket anyway.
        }
    }
}

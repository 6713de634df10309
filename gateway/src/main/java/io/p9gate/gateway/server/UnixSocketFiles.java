package io.p9gate.gateway.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;

/** The file side of a Unix socket listener: clearing a stale socket before bind, owner and mode after. */
final class UnixSocketFiles {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

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
     * Gives the socket file its owner, group and mode: connect(2) needs write permission on it, so these decide
     * which processes may connect at all (the peer check then says which of them is the VM's hypervisor).
     */
    static void restrict(Path path, ListenSpec.SocketAccess access) throws IOException {
        // Path-based chown/chmod: a socket cannot be opened, which the NOFOLLOW attribute setters would do.
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        UserPrincipalLookupService ids = path.getFileSystem().getUserPrincipalLookupService();
        if (access.owner() >= 0) {
            view.setOwner(ids.lookupPrincipalByName(Integer.toUnsignedString(access.owner())));
        }
        if (access.group() >= 0) {
            view.setGroup(ids.lookupPrincipalByGroupName(Integer.toUnsignedString(access.group())));
        }
        view.setPermissions(PosixFilePermissions.fromString(modeText(access.mode())));
    }

    private static String modeText(int mode) {
        String rwx = "rwxrwxrwx";
        StringBuilder out = new StringBuilder();
        for (int bit = 8; bit >= 0; bit--) {
            out.append((mode & (1 << bit)) != 0 ? rwx.charAt(8 - bit) : '-');
        }
        return out.toString();
    }

    static void removeQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Best effort at shutdown: the next start clears a stale socket anyway.
        }
    }
}

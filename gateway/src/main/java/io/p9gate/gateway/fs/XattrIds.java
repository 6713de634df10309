package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileStat;
import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Inodes;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Ownership kept in extended attributes, for a gateway without CAP_CHOWN (like QEMU's mapped-xattr):
 * {@code user.p9gate.uid}, {@code .gid} and {@code .mode} hold the guest's ids and permission bits as
 * decimal text; the host inode keeps the gateway's ids. A file without them (made on the host) shows
 * its host ids mapped to the guest. Linux allows user xattrs only on regular files and directories,
 * so symlinks and special files fall back to {@link ChownedIds}.
 */
public record XattrIds(IdTranslation ids) implements Ownership {
    static final String UID = RESERVED_XATTR_PREFIX + "uid";
    static final String GID = RESERVED_XATTR_PREFIX + "gid";
    static final String MODE = RESERVED_XATTR_PREFIX + "mode";
    private static final int PERMISSION_BITS = 07777;
    /** The gateway itself must keep reading and writing what a guest creates, whatever mode it asks for. */
    private static final int GATEWAY_FILE_BITS = 0600;

    private static final int GATEWAY_DIR_BITS = 0700;

    @Override
    public void created(Node node, FileStat made, int uid, int gid, int mode) throws P9Exception {
        if (!holdsXattrs(node)) {
            new ChownedIds(ids).created(node, made, uid, gid, mode);
            return;
        }
        put(node, UID, uid);
        put(node, GID, gid);
        put(node, MODE, mode & PERMISSION_BITS);
        Inodes.chmod(node, (mode & 0777) | (node.type() == FileType.DIRECTORY ? GATEWAY_DIR_BITS : GATEWAY_FILE_BITS));
    }

    @Override
    public void chown(Node node, int uid, int gid) throws P9Exception {
        if (!holdsXattrs(node)) {
            new ChownedIds(ids).chown(node, uid, gid);
            return;
        }
        if (uid != -1) {
            put(node, UID, uid);
        }
        if (gid != -1) {
            put(node, GID, gid);
        }
    }

    @Override
    public void chmod(Node node, int mode) throws P9Exception {
        if (!holdsXattrs(node)) {
            Inodes.chmod(node, mode);
            return;
        }
        put(node, MODE, mode & PERMISSION_BITS);
    }

    @Override
    public FileStat shown(Node node, FileStat host) throws P9Exception {
        int uid = ids.uidToGuest(host.uid());
        int gid = ids.gidToGuest(host.gid());
        int mode = host.mode();
        if (holdsXattrs(node)) {
            uid = get(node, UID, uid);
            gid = get(node, GID, gid);
            mode = (mode & ~PERMISSION_BITS) | (get(node, MODE, mode) & PERMISSION_BITS);
        }
        return host.shownAs(mode, uid, gid, host.rdev());
    }

    private static boolean holdsXattrs(Node node) {
        return node.type() == FileType.REGULAR || node.type() == FileType.DIRECTORY;
    }

    private static void put(Node node, String name, int value) throws P9Exception {
        Xattrs.set(node, name, Integer.toString(value).getBytes(StandardCharsets.US_ASCII), 0);
    }

    /** The stored value, or {@code fallback} if there is none or it is not a number. */
    private static int get(Node node, String name, int fallback) throws P9Exception {
        Optional<byte[]> found = Xattrs.find(node, name);
        if (found.isEmpty()) {
            return fallback;
        }
        byte[] raw = found.get();
        try {
            return Integer.parseInt(new String(raw, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}

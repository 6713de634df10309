package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.FileType;
import io.p9gate.gateway.backend.Node;
import io.p9gate.gateway.backend.Xattrs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one rule for which extended attributes a guest sees and changes on host files: only the
 * {@code user.} namespace, minus the names {@link Ownership} keeps for itself. The others act on the
 * host, not on the guest's data: {@code security.capability} gives a host executable capabilities,
 * {@code trusted.*} steers overlayfs, {@code security.selinux} relabels, and
 * {@code system.posix_acl_*} names raw host ids, bypassing the id mapping (R-POL-5).
 */
final class GuestXattrs {
    static final String SERVED_NAMESPACE = "user.";

    private GuestXattrs() {}

    /** XATTR_NAME_MAX: the longest name, in bytes, Linux takes. */
    private static final int NAME_MAX = 255;

    /**
     * A name Linux takes at all: getxattr(2) and setxattr(2) answer ERANGE for an empty name or one longer than 255
     * bytes, before its namespace or the file is looked at.
     */
    static void checkName(String name) throws P9Exception {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > NAME_MAX) {
            // In bytes, as the limit: a name of 100 three-byte characters is refused at 300.
            throw new P9Exception(Errno.ERANGE, "xattr name of " + bytes + " bytes");
        }
    }

    static boolean served(String name) {
        return name.startsWith(SERVED_NAMESPACE) && !Ownership.reserved(name);
    }

    /**
     * A name the guest may not read is absent (ENODATA): the Linux client asks for
     * {@code security.capability} on every write, and that is what a filesystem without it answers.
     */
    static void checkReadable(String name) throws P9Exception {
        if (!served(name)) {
            throw new P9Exception(Errno.ENODATA, "xattr " + name + " is not served to guests");
        }
    }

    /**
     * Set, replace or remove (an empty Txattrcreate): refused outside {@code user.}. EOPNOTSUPP, not the EPERM Linux
     * gives an unprivileged caller: the guest's kernel gives that one itself, so only a caller Linux would let asks.
     */
    static void checkWritable(String name) throws P9Exception {
        if (Ownership.reserved(name)) {
            throw new P9Exception(Errno.EPERM, "xattr " + name + " holds the gateway's ownership records");
        }
        if (!served(name)) {
            throw new P9Exception(Errno.EOPNOTSUPP, "xattr " + name + " is outside the user. namespace");
        }
    }

    /**
     * Linux keeps {@code user.} attributes to regular files and directories (xattr_permission): on a symlink or
     * special file, reading one is ENODATA and setting or removing one EPERM. Asked once the name is served.
     */
    static void checkHolder(Node node, boolean writing) throws P9Exception {
        if (!holdsUserXattrs(node)) {
            throw writing
                    ? new P9Exception(Errno.EPERM, "user. xattrs on a " + node.type())
                    : new P9Exception(Errno.ENODATA, "user. xattrs on a " + node.type());
        }
    }

    private static boolean holdsUserXattrs(Node node) {
        return node.type() == FileType.REGULAR || node.type() == FileType.DIRECTORY;
    }

    /**
     * The served names of {@code node}, as llistxattr(2) lists them less the unserved ones: none on a symlink or
     * special file, which Linux never lets hold a {@code user.} attribute, so the host is not asked (its xattr calls
     * reach only regular files and directories: a symlink's would go through the link's path).
     */
    static byte[] listed(Node node) throws P9Exception {
        return holdsUserXattrs(node) ? listed(Xattrs.list(node)) : new byte[0];
    }

    /** listxattr's NUL-separated names, keeping only the served ones. */
    static byte[] listed(byte[] names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(names.length);
        int start = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] == 0) {
                if (served(new String(names, start, i - start, StandardCharsets.UTF_8))) {
                    out.write(names, start, i - start + 1);
                }
                start = i + 1;
            }
        }
        return out.toByteArray();
    }
}

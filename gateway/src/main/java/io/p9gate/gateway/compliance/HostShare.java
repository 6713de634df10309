package io.p9gate.gateway.compliance;

import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Optional;

/**
 * The host side of a share, read directly (the suite runs on the gateway's host): what the gateway stored as
 * an entry's owner, to compare with what the VM is shown (R-POL-5). Read only, never written.
 */
final class HostShare {
    /** The xattrs in which an unprivileged gateway keeps a guest's ids (docs/policy.md, "uid/gid mapping"). */
    static final String UID_XATTR = "p9gate.uid";

    static final String GID_XATTR = "p9gate.gid";

    /** Who owns a host entry: its inode's ids, and the guest ids an unprivileged gateway stored, if any. */
    record Owner(long hostUid, long hostGid, Long storedUid, Long storedGid) {
        boolean stored() {
            return storedUid != null || storedGid != null;
        }
    }

    private final Path dir;

    private HostShare(Path dir) {
        this.dir = dir;
    }

    /** Empty, with a reason, when this process cannot read the share's directory. */
    static Optional<HostShare> open(Path dir) {
        return Files.isDirectory(dir) && Files.isReadable(dir) && Files.isExecutable(dir)
                ? Optional.of(new HostShare(dir))
                : Optional.empty();
    }

    Path dir() {
        return dir;
    }

    Optional<Owner> owner(SharePath path) {
        Path host = path.depth() == 0 ? dir : dir.resolve(String.join("/", path.segments()));
        try {
            int uid = (Integer) Files.getAttribute(host, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(host, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            Long storedUid = null;
            Long storedGid = null;
            if (Files.isRegularFile(host, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                UserDefinedFileAttributeView xattrs =
                        Files.getFileAttributeView(host, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                storedUid = stored(xattrs, UID_XATTR);
                storedGid = stored(xattrs, GID_XATTR);
            }
            return Optional.of(
                    new Owner(Integer.toUnsignedLong(uid), Integer.toUnsignedLong(gid), storedUid, storedGid));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static Long stored(UserDefinedFileAttributeView xattrs, String name) {
        try {
            if (xattrs == null || !xattrs.list().contains(name)) {
                return null;
            }
            ByteBuffer value = ByteBuffer.allocate(xattrs.size(name));
            xattrs.read(name, value);
            return Long.parseLong(new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}

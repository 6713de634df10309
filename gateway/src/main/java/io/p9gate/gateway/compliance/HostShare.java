package io.p9gate.gateway.compliance;

import io.p9gate.policy.terms.SharePath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Optional;

/**
 * The host side of a share, read directly (the suite runs on the gateway's host): what the gateway stored as
 * an entry's owner, to compare with what the VM is shown (R-POL-5), and the type of an entry the VM may not see.
 * Read only, never written.
 */
final class HostShare {
    /**
     * The xattrs in which an unprivileged gateway keeps the owner's host ids, as the VM's map gives them
     * (docs/policy.md, "uid/gid mapping").
     */
    static final String UID_XATTR = "p9gate.host-uid";

    static final String GID_XATTR = "p9gate.host-gid";

    /** What a gateway before 2026-12 stored: the writing guest's own ids, which no map can check. */
    static final String LEGACY_UID_XATTR = "p9gate.uid";

    /**
     * Who owns a host entry: its inode's ids, the host ids an unprivileged gateway stored, if any, and whether it
     * carries only the older guest ids ({@link #LEGACY_UID_XATTR}).
     */
    record Owner(long hostUid, long hostGid, Long storedUid, Long storedGid, boolean legacy) {
        boolean stored() {
            return storedUid != null || storedGid != null;
        }

        /** The host owner the gateway goes by: the stored ids where there are some, else the inode's. */
        long ownerUid() {
            return storedUid != null ? storedUid : hostUid;
        }

        long ownerGid() {
            return storedGid != null ? storedGid : hostGid;
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

    private Path host(SharePath path) {
        return path.depth() == 0 ? dir : dir.resolve(String.join("/", path.segments()));
    }

    /** What the host holds at a name: for probes of a name the VM may not see, which must not change it. */
    enum Entry {
        ABSENT,
        DIRECTORY,
        /** A file, symlink (not followed) or other non-directory. */
        OTHER
    }

    /** What the host holds at {@code path}; empty when it cannot be told. */
    Optional<Entry> entry(SharePath path) {
        try {
            return Optional.of(
                    Files.readAttributes(host(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                                    .isDirectory()
                            ? Entry.DIRECTORY
                            : Entry.OTHER);
        } catch (NoSuchFileException e) {
            return Optional.of(Entry.ABSENT);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Optional<Owner> owner(SharePath path) {
        Path host = host(path);
        try {
            int uid = (Integer) Files.getAttribute(host, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(host, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            Long storedUid = null;
            Long storedGid = null;
            boolean legacy = false;
            if (Files.isRegularFile(host, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                UserDefinedFileAttributeView xattrs =
                        Files.getFileAttributeView(host, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                storedUid = stored(xattrs, UID_XATTR);
                storedGid = stored(xattrs, GID_XATTR);
                legacy = storedUid == null && stored(xattrs, LEGACY_UID_XATTR) != null;
            }
            return Optional.of(
                    new Owner(Integer.toUnsignedLong(uid), Integer.toUnsignedLong(gid), storedUid, storedGid, legacy));
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
            // Decimal, unsigned as the gateway writes it (and an operator may); negative for an id from 2^31 up
            // where a gateway before 2026-12 stored it.
            String text = new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII).strip();
            return Integer.toUnsignedLong(
                    text.startsWith("-") ? Integer.parseInt(text) : Integer.parseUnsignedInt(text));
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}

package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A guest's character or block device stored mapped (R-CONF-2, QEMU's mapped-xattr model): on the host an
 * empty regular file of mode 0600, whose {@value #XATTR} xattr holds what the guest sees, as text
 * {@code "c MAJOR MINOR MODE"} ({@code b} for a block device, MODE the octal permission bits), e.g.
 * {@code "c 10 183 0666"}. The host has no device node to open; the guest's kernel opens its own device
 * for the inode, so the gateway never needs to open one. The name lies in the {@code user.p9gate.} prefix,
 * which guests can neither read, set nor remove, so no guest can forge or strip a mapping.
 *
 * @param perms the guest's permission bits (chmod changes these, never the host file's mode)
 */
public record MappedDevice(FileType type, int major, int minor, int perms) {
    public static final String XATTR = "user.p9gate.device";
    /** The host file's permission bits: only its owner can touch it, and there is nothing in it. */
    public static final int HOST_PERMS = 0600;

    private static final int PERMISSION_BITS = 07777;

    public MappedDevice {
        if (type != FileType.CHAR_DEVICE && type != FileType.BLOCK_DEVICE) {
            throw new IllegalArgumentException("not a device type: " + type);
        }
        perms &= PERMISSION_BITS;
    }

    /** The device a guest asked Tmknod for, or empty for any other type. */
    public static Optional<MappedDevice> requested(int mode, int major, int minor) {
        FileType type = FileType.ofMode(mode);
        if (type != FileType.CHAR_DEVICE && type != FileType.BLOCK_DEVICE) {
            return Optional.empty();
        }
        return Optional.of(new MappedDevice(type, major, minor, mode));
    }

    public MappedDevice withPerms(int newPerms) {
        return new MappedDevice(type, major, minor, newPerms);
    }

    /**
     * The mapping a regular file carries, if any. Only files that look like one on the host (regular, mode
     * 0600: what {@link Entries#mknodMapped} makes, and chmod never changes) are asked, so other files cost
     * no extra system call.
     */
    public static Optional<MappedDevice> of(Node node, FileStat host) throws P9Exception {
        if (node.type() != FileType.REGULAR || (host.mode() & PERMISSION_BITS) != HOST_PERMS) {
            return Optional.empty();
        }
        return of(node);
    }

    /** The mapping a regular file carries, if any (one getxattr). */
    public static Optional<MappedDevice> of(Node node) throws P9Exception {
        if (node.type() != FileType.REGULAR) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Xattrs.get(node, XATTR);
        } catch (P9Exception e) {
            if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(parse(new String(raw, StandardCharsets.US_ASCII)));
    }

    /** The stat the guest sees: the device's type, permission bits and rdev over the host file's other fields. */
    public FileStat shown(FileStat s) {
        return s.shownAs(type.modeBits() | perms, s.uid(), s.gid(), FileStat.makedev(major, minor));
    }

    /** Rewrites the mapping of {@code node} (which must carry one). */
    public void store(Node node) throws P9Exception {
        Xattrs.set(node, XATTR, encode().getBytes(StandardCharsets.US_ASCII), Xattrs.XATTR_REPLACE);
    }

    String encode() {
        return (type == FileType.CHAR_DEVICE ? "c" : "b") + " " + Integer.toUnsignedString(major) + " "
                + Integer.toUnsignedString(minor) + " 0" + Integer.toOctalString(perms);
    }

    /**
     * Parses a stored mapping. Only the gateway writes it, so a malformed one means the host changed it:
     * it still names a device (never opened), shown as {@code c 0 0 0000}.
     */
    static MappedDevice parse(String text) {
        String[] f = text.strip().split(" ");
        try {
            if (f.length == 4 && (f[0].equals("c") || f[0].equals("b"))) {
                return new MappedDevice(
                        f[0].equals("c") ? FileType.CHAR_DEVICE : FileType.BLOCK_DEVICE,
                        Integer.parseUnsignedInt(f[1]),
                        Integer.parseUnsignedInt(f[2]),
                        Integer.parseInt(f[3], 8));
            }
        } catch (NumberFormatException e) {
            // falls through to the inert default
        }
        return new MappedDevice(FileType.CHAR_DEVICE, 0, 0, 0);
    }
}

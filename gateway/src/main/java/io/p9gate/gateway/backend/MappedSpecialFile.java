package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * A guest's special file (character or block device, fifo, socket) stored mapped (R-CONF-2, QEMU's mapped-xattr
 * model): on the host an empty regular file of mode 0600, whose {@value #XATTR} xattr holds what the guest sees,
 * as text {@code "TYPE MAJOR MINOR MODE VM"} (TYPE {@code c}, {@code b}, {@code p} for a fifo or {@code s} for a
 * socket, as {@code ls -l} shows them; MODE the octal permission bits; VM the id of the VM that made it), e.g.
 * {@code "c 10 183 0666 alpha"}. Only that VM is shown the special file ({@link #shownTo}): VMs sharing a folder
 * would otherwise open their own device for another VM's node (alpha's {@code c 1 1 0666} is beta's /dev/mem,
 * world-writable). A mapping without the VM (written before it was recorded) is shown to none. The host
 * has no device node to open and no fifo a host reader could block on; the guest's kernel opens its own device
 * or pipe for the inode, so the gateway never needs to open one. The xattr keeps the name it had when only
 * devices were mapped, so existing mappings still read. The name lies in the {@code user.p9gate.} prefix, which
 * guests can neither read, set nor remove, so no guest can forge or strip a mapping.
 *
 * @param perms the guest's permission bits (chmod changes these, never the host file's mode)
 * @param vm    the VM that made it, the only one shown the special file; "" if the mapping names none
 */
public record MappedSpecialFile(FileType type, int major, int minor, int perms, String vm) {
    public static final String XATTR = "user.p9gate.device";
    /** The host file's permission bits: only its owner can touch it, and there is nothing in it. */
    public static final int HOST_PERMS = 0600;

    private static final int PERMISSION_BITS = 07777;

    /** The letter each mapped type is stored with. */
    private static final Map<FileType, String> LETTERS =
            Map.of(FileType.CHAR_DEVICE, "c", FileType.BLOCK_DEVICE, "b", FileType.FIFO, "p", FileType.SOCKET, "s");

    public MappedSpecialFile {
        if (!LETTERS.containsKey(type)) {
            throw new IllegalArgumentException("not a special file type: " + type);
        }
        perms &= PERMISSION_BITS;
        vm = vm == null ? "" : vm;
    }

    /**
     * The special file a guest of {@code vm} asked Tmknod for (a fifo or socket has no device number), or empty for
     * a file.
     */
    public static Optional<MappedSpecialFile> requested(int mode, int major, int minor, String vm) {
        FileType type = FileType.ofMode(mode);
        // null: type bits Linux does not define (a guest's mode, unchecked so far), which Map.of cannot look up.
        if (type == null || !LETTERS.containsKey(type)) {
            return Optional.empty();
        }
        boolean device = type.isDevice();
        return Optional.of(new MappedSpecialFile(type, device ? major : 0, device ? minor : 0, mode, vm));
    }

    public MappedSpecialFile withPerms(int newPerms) {
        return new MappedSpecialFile(type, major, minor, newPerms, vm);
    }

    /** What a mapping written before mappings named their VM (four fields) names as its VM. */
    static final String OLD_MAPPING = "\0old";

    /**
     * Whether {@code guestVm} is shown this special file: only the VM that made it; a mapping written before
     * mappings named their VM only to a VM that {@code ownsOldMappings} (no other VM maps special files there), so
     * that an upgrade keeps a VM's device nodes and fifos; a malformed one to none.
     */
    public boolean shownTo(String guestVm, boolean ownsOldMappings) {
        if (vm.equals(OLD_MAPPING)) {
            return ownsOldMappings;
        }
        return !vm.isEmpty() && vm.equals(guestVm);
    }

    /** This mapping as the VM that now changes it stores it: an old mapping then names it. */
    public MappedSpecialFile of(String guestVm) {
        return vm.equals(OLD_MAPPING) ? new MappedSpecialFile(type, major, minor, perms, guestVm) : this;
    }

    /**
     * The mapping a regular file carries, if any. Only files that look like one on the host (regular, mode
     * 0600: what {@link Entries#mknodMapped} makes, and chmod never changes) are asked, so other files cost
     * no extra system call.
     */
    public static Optional<MappedSpecialFile> of(Node node, FileStat host) throws P9Exception {
        if (node.type() != FileType.REGULAR || (host.mode() & PERMISSION_BITS) != HOST_PERMS) {
            return Optional.empty();
        }
        return of(node);
    }

    /** The mapping a regular file carries, if any (one getxattr). */
    private static Optional<MappedSpecialFile> of(Node node) throws P9Exception {
        if (node.type() != FileType.REGULAR) {
            return Optional.empty();
        }
        return Xattrs.find(node, XATTR).map(raw -> parse(new String(raw, StandardCharsets.US_ASCII)));
    }

    /** The stat the guest sees: the special file's type, permission bits and rdev over the host file's other fields. */
    public FileStat shown(FileStat s) {
        return s.shownAs(type.modeBits() | perms, s.uid(), s.gid(), FileStat.makedev(major, minor));
    }

    /** Rewrites the mapping of {@code node} (which must carry one). */
    public void store(Node node) throws P9Exception {
        Xattrs.set(node, XATTR, encode().getBytes(StandardCharsets.US_ASCII), Xattrs.XATTR_REPLACE);
    }

    String encode() {
        return LETTERS.get(type) + " " + Integer.toUnsignedString(major) + " " + Integer.toUnsignedString(minor) + " 0"
                + Integer.toOctalString(perms) + " " + vm;
    }

    /**
     * Parses a stored mapping. Only the gateway writes it, so a malformed one means the host changed it: it names
     * no VM, so no guest is shown a special file ({@code c 0 0 0000} of no VM); four fields are a mapping written
     * before the VM was recorded ({@link #OLD_MAPPING}).
     */
    static MappedSpecialFile parse(String text) {
        String[] f = text.strip().split(" ", 5); // the VM is the rest: a listener name without a policy may hold spaces
        try {
            FileType type = f.length == 4 || f.length == 5 ? typeOf(f[0]) : null;
            if (type != null) {
                return new MappedSpecialFile(
                        type,
                        Integer.parseUnsignedInt(f[1]),
                        Integer.parseUnsignedInt(f[2]),
                        Integer.parseInt(f[3], 8),
                        f.length == 5 ? f[4] : OLD_MAPPING);
            }
        } catch (NumberFormatException e) {
            // falls through to the inert default
        }
        return new MappedSpecialFile(FileType.CHAR_DEVICE, 0, 0, 0, "");
    }

    private static FileType typeOf(String letter) {
        for (Map.Entry<FileType, String> e : LETTERS.entrySet()) {
            if (e.getValue().equals(letter)) {
                return e.getKey();
            }
        }
        return null;
    }
}

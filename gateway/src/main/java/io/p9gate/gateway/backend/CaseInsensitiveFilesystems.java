package io.p9gate.gateway.backend;

import static java.util.Map.entry;

import java.util.Map;
import java.util.Optional;

/**
 * Share roots whose names the kernel may match without regard to case. Policy paths (hidden, read-only, rules,
 * quotas) are compared byte for byte, so there a walk of {@code SECRET} reaches a hidden {@code /secret} and a
 * write under {@code /BASE/...} lands in a read-only {@code /base}: such a root is refused when the share opens.
 * Types whose case behaviour is a mount or server option (ntfs3's {@code nocase}, an SMB server's setting) are
 * refused too: statfs cannot tell, and a wrong guess opens every hidden path. Not covered: a directory beneath the
 * root that the host administrator casefolds later (guests cannot set inode flags through 9P), a case-insensitive
 * filesystem mounted beneath the root, and pass-through filesystems (FUSE, 9p, NFS) over a case-insensitive one.
 */
final class CaseInsensitiveFilesystems {
    /** chattr +F (linux/fs.h): lookups in this directory, and in directories made in it, ignore case. */
    static final int FS_CASEFOLD_FL = 0x40000000;

    /** statfs(2) f_type magic numbers (linux/magic.h, the filesystems' sources). */
    private static final Map<Long, String> NAMES = Map.ofEntries(
            entry(0x4d44L, "vfat"), // MSDOS_SUPER_MAGIC: vfat and msdos alike
            entry(0x2011bab0L, "exfat"),
            entry(0x7366746eL, "ntfs3"), // case-insensitive with the nocase mount option
            entry(0x5346544eL, "ntfs"), // NTFS_SB_MAGIC, the old driver
            entry(0xff534d42L, "cifs"), // CIFS_SUPER_MAGIC: the server decides
            entry(0xfe534d42L, "smb2"), // SMB2_SUPER_MAGIC
            entry(0x517bL, "smbfs"),
            entry(0x4244L, "hfs"),
            entry(0x482bL, "hfsplus")); // case-insensitive unless formatted HFSX

    private CaseInsensitiveFilesystems() {}

    /**
     * Why a share root on a filesystem of statfs type {@code fsType} whose own inode flags are {@code rootFlags}
     * cannot be served, or empty if it can: one line for the operator.
     */
    static Optional<String> refusal(long fsType, int rootFlags) {
        String name = NAMES.get(fsType);
        if (name != null) {
            return Optional.of("a case-insensitive filesystem (" + name + "): " + CONSEQUENCE);
        }
        if ((rootFlags & FS_CASEFOLD_FL) != 0) {
            return Optional.of("a case-insensitive directory (casefold, chattr +F): " + CONSEQUENCE);
        }
        return Optional.empty();
    }

    private static final String CONSEQUENCE =
            "policy paths are matched byte for byte, so another case of a hidden or read-only name would pass";
}

package io.p9gate.gateway.backend;

import java.util.Set;

/**
 * Filesystems whose inodes no mount of another st_dev also reaches: a stacking one (overlayfs, a FUSE mirror such as
 * bindfs or mergerfs) writes through to the inodes of the filesystem beneath it, and two NFS or SMB mounts of one
 * export may be two superblocks of the same server files. Only between two roots of such filesystems does a
 * different st_dev mean that no file is reachable through both ({@link OpenShares#opened}).
 */
final class SelfContainedFilesystems {
    /** statfs(2) f_type magic numbers (linux/magic.h, the filesystems' sources). */
    private static final Set<Long> TYPES = Set.of(
            0xef53L, // EXT4_SUPER_MAGIC: ext2, ext3 and ext4 alike
            0x58465342L, // XFS_SUPER_MAGIC
            0x9123683eL, // BTRFS_SUPER_MAGIC: a st_dev per subvolume, none in mountinfo (SingleMounts: never once)
            0x01021994L, // TMPFS_MAGIC
            0xf2f52010L, // F2FS_SUPER_MAGIC
            0x2fc12fc1L, // ZFS: a st_dev per dataset, and no hard link across them
            0xca451a4eL); // BCACHEFS_SUPER_MAGIC

    private SelfContainedFilesystems() {}

    /** Whether a filesystem of statfs type {@code fsType} is one of these. */
    static boolean holds(long fsType) {
        return TYPES.contains(fsType);
    }
}

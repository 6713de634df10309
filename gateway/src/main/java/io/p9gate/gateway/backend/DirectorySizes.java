package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;

/**
 * What one entry adds to its directory's size on the host, where the filesystem fixes it: tmpfs counts 20 bytes an
 * entry whatever its name (BOGO_DIRENT_SIZE, mm/shmem.c), so a directory's size there is 40 + 20 per entry. Elsewhere
 * nothing is known to take off: ext4, f2fs and xfs past its inline form grow by whole blocks, btrfs by twice each
 * name's length.
 */
public final class DirectorySizes {
    private static final long TMPFS_MAGIC = 0x01021994L;
    private static final long TMPFS_ENTRY_BYTES = 20;

    private DirectorySizes() {}

    /**
     * The bytes each entry adds to the size of the directory {@code dir} ({@code stat} its stat) in {@code share}, or 0
     * where that is not fixed. On the share root's device it is on the file system the share's open found
     * ({@link ShareRoot#filesystemType}); elsewhere (a mount inside the share) one fstatfs tells.
     */
    public static long perEntry(ShareRoot share, Node dir, FileStat stat) throws P9Exception {
        long type = stat.dev() == share.rootKey().dev() ? share.filesystemType() : Inodes.filesystemType(dir);
        return type == TMPFS_MAGIC ? TMPFS_ENTRY_BYTES : 0;
    }
}

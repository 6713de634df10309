package io.p9gate.policy.quota;

/** Bytes and inodes, as used, reserved or asked for. */
public record Usage(long bytes, long inodes) {
    public static final Usage ZERO = new Usage(0, 0);

    /** A directory's first block, which the inodes limit pays for as it does a file's inode. */
    public static final long DIRECTORY_BLOCK = 4096;

    /**
     * What a directory of {@code size} counts in bytes: what it grew beyond its first block. A directory keeps the
     * blocks its entries once took (ext4 and f2fs never shrink one): counted as one inode only, a guest that filled
     * directories with long names and emptied them held host space growing with the square of its inodes limit.
     */
    public static long directoryBytes(long size) {
        return Math.max(0, size - DIRECTORY_BLOCK);
    }

    public Usage plus(Usage o) {
        return new Usage(bytes + o.bytes, inodes + o.inodes);
    }

    public Usage minus(Usage o) {
        return new Usage(bytes - o.bytes, inodes - o.inodes);
    }
}

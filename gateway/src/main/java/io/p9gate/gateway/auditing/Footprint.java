package io.p9gate.gateway.auditing;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.RequestArgs;
import java.nio.charset.StandardCharsets;

/**
 * What a change will take on the file system it is made on, estimated before it is made: the blocks the data a
 * Twrite carries can take, and for a change without data the blocks and inode it makes. The estimate is of ext4
 * with 4 KiB blocks, on the high side: the disk budget reads the real free space again soon
 * ({@code DiskBudget.SAMPLE_BYTES}).
 *
 * @param bytes  bytes it takes
 * @param inodes inodes it makes
 */
record Footprint(long bytes, long inodes) {
    static final Footprint NONE = new Footprint(0, 0);
    /** A directory's first block (ext4, xfs: one block, even empty), and a symlink target's too long for the inode. */
    static final long BLOCK = 4096;
    /** An inode, where the file system allocates them from its free space (xfs, btrfs: up to 512 bytes). */
    static final long INODE = 512;
    /** A directory entry's header (ext4: inode, record and name lengths, type), before its name. */
    static final long ENTRY = 8;
    /** A symlink target stored in the inode itself on ext4 (a "fast" symlink): shorter than 60 bytes. */
    private static final int INLINE_TARGET = 60;

    /** The footprint of the change {@code entry} announces, wherever it is made. */
    static Footprint of(AuditEntry entry) {
        RequestArgs args = entry.request().args();
        return switch (entry.request().operation()) {
            case WRITE -> // an xattr value's Twrite fills memory: it reaches the disk at the commit, counted there
                entry.outcome().bytes() > 0 && !(args instanceof RequestArgs.XattrIo)
                        ? new Footprint(blocksTouched(entry.outcome().bytes()), 0)
                        : NONE;
            case CREATE -> args instanceof RequestArgs.Create c ? made(c.name(), 0) : NONE;
            case MKDIR, MKNOD -> args instanceof RequestArgs.Make m ? made(m.name(), m.directory() ? BLOCK : 0) : NONE;
            case SYMLINK -> args instanceof RequestArgs.Symlink l ? made(l.name(), targetBlocks(l.target())) : NONE;
            case LINK, RENAME -> args instanceof RequestArgs.EntryNames n ? new Footprint(entries(n), 0) : NONE;
            case XATTR_COMMIT ->
                args instanceof RequestArgs.XattrSet x && x.size() > 0
                        ? new Footprint(roundedUp(ENTRY + bytes(x.name()) + x.size()), 0)
                        : NONE;
            default -> NONE;
        };
    }

    /**
     * The blocks {@code bytes} of data can take, wherever they land: a 1-byte write into a hole takes a whole block
     * (counted as 1 byte, a guest writing a byte per hole wrote 4096 times what was counted). The worst offset, not
     * the one asked: an O_APPEND write lands at the file's end whatever offset the guest sends.
     */
    private static long blocksTouched(long bytes) {
        return ((bytes + BLOCK - 2) / BLOCK + 1) * BLOCK;
    }

    /** A new entry {@code name} with its inode, and {@code blocks} bytes of blocks of its own. */
    private static Footprint made(String name, long blocks) {
        return new Footprint(ENTRY + bytes(name) + INODE + blocks, 1);
    }

    private static long targetBlocks(String target) {
        long bytes = bytes(target);
        return bytes < INLINE_TARGET ? 0 : roundedUp(bytes);
    }

    /**
     * Whole blocks: an xattr that does not fit in the inode takes a block of its own (ext4: one per file, however
     * short the value), as a long symlink target does.
     */
    private static long roundedUp(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** The new entries' names (a rename's old name is counted too: an estimate on the high side). */
    private static long entries(RequestArgs.EntryNames names) {
        long total = 0;
        for (String name : names.names()) {
            total += ENTRY + bytes(name);
        }
        return total;
    }

    private static long bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}

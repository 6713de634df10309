package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.Qid;

/** The kind of an inode; it never changes for the life of the inode, so handles may cache it. */
public enum FileType {
    REGULAR(0100000, 8, Qid.QTFILE),
    DIRECTORY(0040000, 4, Qid.QTDIR),
    SYMLINK(0120000, 10, Qid.QTSYMLINK),
    FIFO(0010000, 1, Qid.QTFILE),
    SOCKET(0140000, 12, Qid.QTFILE),
    CHAR_DEVICE(0020000, 2, Qid.QTFILE),
    BLOCK_DEVICE(0060000, 6, Qid.QTFILE);

    public static final int S_IFMT = 0170000;

    /** values() copies its array at every call, and every stat asks its type (issue 11). */
    private static final FileType[] ALL = values();

    private final int modeBits;
    private final int direntType;
    private final int qidType;

    FileType(int modeBits, int direntType, int qidType) {
        this.modeBits = modeBits;
        this.direntType = direntType;
        this.qidType = qidType;
    }

    public int modeBits() {
        return modeBits;
    }

    public int direntType() {
        return direntType;
    }

    public int qidType() {
        return qidType;
    }

    /** The type in an st_mode; null for bits Linux does not define. */
    public static FileType ofMode(int mode) {
        int fmt = mode & S_IFMT;
        for (FileType t : ALL) {
            if (t.modeBits == fmt) {
                return t;
            }
        }
        return null;
    }

    /** The type of a dirent d_type; null for DT_UNKNOWN. */
    public static FileType ofDirentType(int dtype) {
        for (FileType t : ALL) {
            if (t.direntType == dtype) {
                return t;
            }
        }
        return null;
    }

    /** A character or block device: never a node in a host folder (R-CONF-2). */
    public boolean isDevice() {
        return this == CHAR_DEVICE || this == BLOCK_DEVICE;
    }

    /** Whether the host may open this inode for I/O (R-CONF-2: never fifos, sockets or devices). */
    public boolean openableForIo() {
        return this == REGULAR || this == DIRECTORY;
    }
}

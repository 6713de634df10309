package io.p9gate.gateway.backend;

import io.p9gate.gateway.proto.P9Exception;

/** A regular file or directory opened for I/O (Tlopen/Tlcreate); never a fifo, socket or device. */
public final class OpenFile implements AutoCloseable {
    private final Fd fd;
    private final FileType type;
    private final FileKey key;
    private final int flags;

    OpenFile(Fd fd, FileType type, FileKey key, int flags) {
        this.fd = fd;
        this.type = type;
        this.key = key;
        this.flags = flags;
    }

    /** The inode it reads and writes. */
    public FileKey key() {
        return key;
    }

    public FileType type() {
        return type;
    }

    /** The host open flags it was opened with. */
    public int flags() {
        return flags;
    }

    <T> T use(Fd.FdCall<T> call) throws P9Exception {
        return fd.use(call);
    }

    @Override
    public void close() {
        fd.release();
    }
}

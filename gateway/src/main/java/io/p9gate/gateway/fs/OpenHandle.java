package io.p9gate.gateway.fs;

import io.p9gate.gateway.backend.OpenFile;

/**
 * A file opened for I/O by Tlopen or Tlcreate, held by its fid until clunk. Opaque outside the guarded layer: reads,
 * writes and listings go through {@link GuardedFs}.
 */
public final class OpenHandle implements AutoCloseable {
    private final OpenFile file;

    OpenHandle(OpenFile file) {
        this.file = file;
    }

    OpenFile file() {
        return file;
    }

    /** Whether it was opened for reading: a Tread through it is I/O the guest may ask for at all. */
    public boolean reads() {
        return OpenFlags.reads(file.flags());
    }

    /** Whether it was opened for writing: a Twrite through it is I/O the guest may ask for at all. */
    public boolean writes() {
        return OpenFlags.writes(file.flags());
    }

    /** Whether each write through it waits for the disk (opened O_DSYNC or O_SYNC). */
    public boolean syncsWrites() {
        return OpenFlags.syncsWrites(file.flags());
    }

    @Override
    public void close() {
        file.close();
    }
}

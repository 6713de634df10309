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

    /** Whether each write through it waits for the disk (opened O_DSYNC or O_SYNC). */
    public boolean syncsWrites() {
        return OpenFlags.syncsWrites(file.flags());
    }

    @Override
    public void close() {
        file.close();
    }
}

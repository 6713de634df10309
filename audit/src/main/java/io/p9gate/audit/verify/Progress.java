package io.p9gate.audit.verify;

/** Receives verification progress (bytes of segments read so far out of the total). */
@FunctionalInterface
public interface Progress {
    Progress NONE = (read, total, records) -> {};

    void update(long bytesRead, long totalBytes, long records);
}

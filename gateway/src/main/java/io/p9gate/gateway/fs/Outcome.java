package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;

/**
 * How a decided request ended.
 *
 * @param errno null on success, else what the guest was told
 * @param bytes bytes read or written (0 for metadata operations)
 */
public record Outcome(Errno errno, long bytes) {
    public static Outcome success(long bytes) {
        return new Outcome(null, bytes);
    }

    public static Outcome failure(Errno errno) {
        return new Outcome(errno, 0);
    }
}

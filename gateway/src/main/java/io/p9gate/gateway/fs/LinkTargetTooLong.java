package io.p9gate.gateway.fs;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.charset.StandardCharsets;

/**
 * A symlink's target that no reply within the session's msize can carry (a 4,088-byte target over msize 4096):
 * EIO, as an oversized reply is, but found while the request is served, so its record says EIO too. Found later,
 * by the encoder, the record said the guest had read the target that never reached it.
 */
public final class LinkTargetTooLong extends P9Exception {
    private static final long serialVersionUID = 1L;

    private LinkTargetTooLong(int bytes, int max) {
        super(Errno.EIO, "the link's target takes " + bytes + " bytes, a reply carries at most " + max);
    }

    /** {@code target}, if its UTF-8 bytes fit in {@code maxBytes}. */
    static String fitting(String target, int maxBytes) throws LinkTargetTooLong {
        int bytes = target.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new LinkTargetTooLong(bytes, maxBytes);
        }
        return target;
    }
}

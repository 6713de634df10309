package io.p9gate.gateway.codec;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;

/**
 * A well-framed message whose body does not follow the 9P2000.L layout (short body, count past
 * the frame end, invalid string, trailing bytes). The peer gets Rlerror with this errno; the
 * connection stays up because the framing itself is intact.
 */
public final class MalformedMessageException extends P9Exception {
    public MalformedMessageException(Errno errno, String message) {
        super(errno, message);
    }
}

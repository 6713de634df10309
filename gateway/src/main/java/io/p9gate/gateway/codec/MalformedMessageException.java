package io.p9gate.gateway.codec;

import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;

/**
 * A well-framed message whose body does not follow the 9P2000.L layout (short body, count past
 * the frame end, invalid string, trailing bytes). The peer gets Rlerror with this errno; the
 * connection stays up because the framing itself is intact.
 */
public final class MalformedMessageException extends P9Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(Errno errno, String message) {
        super(errno, message);
    }
}

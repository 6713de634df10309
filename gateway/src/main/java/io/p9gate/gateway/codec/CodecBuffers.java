package io.p9gate.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;

/** The one place that knows which messages own a reference-counted payload. */
public final class CodecBuffers {
    private CodecBuffers() {}

    /** The payload buffer a message owns (Twrite, Rread), or null. */
    public static ByteBuf payloadOf(Message message) {
        if (message instanceof TMessage.Twrite w) {
            return w.data();
        }
        if (message instanceof RMessage.Rread r) {
            return r.data();
        }
        return null;
    }

    /** Releases the payload a message owns, if any and if still live; safe to call on any message. */
    public static void releasePayload(Message message) {
        ByteBuf payload = payloadOf(message);
        if (payload != null && payload.refCnt() > 0) {
            payload.release();
        }
    }
}

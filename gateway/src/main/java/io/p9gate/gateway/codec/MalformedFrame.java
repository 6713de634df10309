package io.p9gate.gateway.codec;

import io.p9gate.gateway.proto.Errno;

/**
 * What the frame decoder emits for a well-framed message whose body it could not decode: the
 * tag is known, so the peer can be answered with Rlerror(errno) and the connection kept.
 */
public record MalformedFrame(int tag, int typeCode, Errno errno, String reason) {}

package io.p9gate.gateway.codec;

/** Which messages a decoder expects: the server reads requests, a client reads replies. */
public enum Direction {
    /** Server side: T-messages; anything else becomes {@code Tunsupported}. */
    REQUESTS,
    /** Client side: R-messages; anything else is a protocol error. */
    REPLIES
}
